//! `initialize` and `initialize_and_wait`: subscribe, publish `initialization`,
//! wait (event-driven) for the subscriber count.

use std::time::Duration;

use tokio::time::Instant;

use super::{is_reserved, reserved, Initialize, SignalExporter, SignalOptions};
use crate::protocol::INITIALIZATION;
use crate::{Error, Result};

impl SignalExporter {
    pub(super) async fn run_initialize(
        &self,
        legal_events: Vec<String>,
        expected: Vec<String>,
        options: &SignalOptions,
    ) -> Result<()> {
        if legal_events.is_empty() {
            return Err(Error::NoLegalEvents);
        }
        if let Some(event) = legal_events.iter().find(|e| is_reserved(e)) {
            return Err(reserved(event));
        }
        self.subscribed
            .get_or_try_init(|| self.transport.subscribe(self.shared.channels.responses()))
            .await?;
        {
            let mut state = self.shared.lock();
            state.accepting = true;
            state.legal_events = legal_events;
        }
        self.shared.add_subscribers(expected);
        self.send(INITIALIZATION, options).await?;
        tracing::info!(publisher_id = %self.publisher_id(), "initialized");
        Ok(())
    }

    pub(super) async fn run_initialize_and_wait(
        &self,
        request: Initialize<'_>,
        count: usize,
        timeout: Option<Duration>,
        periodic: bool,
    ) -> Result<()> {
        let started = Instant::now();
        let mut count_rx = self.shared.subscriber_count.subscribe();
        self.run_initialize(request.legal_events, request.expected, &request.options)
            .await?;
        let reached = async {
            // The sender lives as long as `self`; an error cannot happen here.
            let _ = count_rx.wait_for(|n| *n >= count).await;
        };
        let republish = async {
            if !periodic {
                return std::future::pending().await;
            }
            // The protocol's cadence for late starters: once a second.
            let period = Duration::from_secs(1);
            let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                match self.send(INITIALIZATION, &request.options).await {
                    Ok(_) => tracing::info!("periodic initialization published"),
                    Err(error) => tracing::warn!(%error, "periodic initialization failed"),
                }
            }
        };
        let waited = async {
            tokio::select! {
                () = reached => {}
                () = republish => {}
            }
        };
        let in_time = match timeout {
            Some(limit) => tokio::time::timeout_at(started + limit, waited)
                .await
                .is_ok(),
            None => {
                waited.await;
                true
            }
        };
        if in_time {
            return Ok(());
        }
        let arrived = self.subscriber_count();
        tracing::error!(
            expected = count,
            arrived,
            "timed out waiting for subscribers"
        );
        Err(Error::SubscribersTimeout {
            expected: count,
            arrived,
            waited: started.elapsed(),
        })
    }
}
