//! `initialize` and `initialize_and_wait`: subscribe, publish `initialization`,
//! wait (event-driven) for the subscriber count.

use std::future::IntoFuture;
use std::time::Duration;

use tokio::time::Instant;

use super::{
    BoxFuture, DEFAULT_SUBSCRIBE_TIMEOUT, SignalExporter, SignalOptions, is_reserved, reserved,
};
use crate::protocol::INITIALIZATION;
use crate::{Error, Result};

/// How long `initialize_and_wait` waits quietly before it says, once, what
/// it is waiting for.
const QUIET_WAIT: Duration = Duration::from_secs(3);

/// [`SignalExporter::initialize`]'s options; await it to run it.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct Initialize<'a> {
    exporter: &'a SignalExporter,
    pub(super) legal_events: Vec<String>,
    pub(super) expected: Vec<String>,
    pub(super) options: SignalOptions,
}

impl<'a> Initialize<'a> {
    pub(super) fn new(exporter: &'a SignalExporter, legal_events: Vec<String>) -> Self {
        Self {
            exporter,
            legal_events,
            expected: Vec::new(),
            options: SignalOptions::default(),
        }
    }

    /// Tags the `initialization` signal.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.tag = Some(tag.into());
        self
    }

    /// Pre-fills the subscriber set with these responder ids (responders built
    /// with a fixed [`responder_id`](crate::SignalResponderBuilder::responder_id)).
    pub fn expected_responders<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expected.extend(ids.into_iter().map(Into::into));
        self
    }
}

impl<'a> IntoFuture for Initialize<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.exporter
                .run_initialize(self.legal_events, self.expected, &self.options)
                .await
        })
    }
}

/// [`SignalExporter::initialize_and_wait`]'s options; await it to run it.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct InitializeAndWait<'a> {
    init: Initialize<'a>,
    count: usize,
    timeout: Option<Duration>,
    periodic: bool,
}

impl<'a> InitializeAndWait<'a> {
    pub(super) fn new(init: Initialize<'a>, count: usize) -> Self {
        Self {
            init,
            count,
            timeout: Some(DEFAULT_SUBSCRIBE_TIMEOUT),
            periodic: false,
        }
    }

    /// Tags the `initialization` signal.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.init = self.init.tag(tag);
        self
    }

    /// Pre-fills the subscriber set (see [`Initialize::expected_responders`]).
    pub fn expected_responders<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.init = self.init.expected_responders(ids);
        self
    }

    /// How long to wait for the subscribers (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for the subscribers however long it takes.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Republishes `initialization` every second while waiting, for
    /// responders that start late (default: off). Without it, a responder
    /// that connects after the one `initialization` message never
    /// subscribes, and the wait runs into its timeout; after a few quiet
    /// seconds the wait logs (at info) how many subscribers it has and says
    /// so.
    pub fn periodic(mut self, periodic: bool) -> Self {
        self.periodic = periodic;
        self
    }
}

impl<'a> IntoFuture for InitializeAndWait<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let exporter = self.init.exporter;
            exporter
                .run_initialize_and_wait(self.init, self.count, self.timeout, self.periodic)
                .await
        })
    }
}

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
        let first = self.subscribed.get().is_none();
        self.subscribed
            .get_or_try_init(|| self.transport.subscribe(self.shared.channels.responses()))
            .await?;
        if !first {
            // Everything the connection received before this call is handled
            // before subscribers are accepted again: an answer to an earlier
            // session's `initialization` never joins this one.
            self.transport.round_trip().await?;
        }
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
        // No silent wait: after a few seconds, say what is awaited and, without
        // `periodic`, that a responder connecting after the one
        // `initialization` message is never counted.
        let hint = async {
            tokio::time::sleep(QUIET_WAIT).await;
            let arrived = self.subscriber_count();
            if periodic {
                tracing::info!(
                    expected = count,
                    arrived,
                    "waiting for subscribers (initialization republished every second)"
                );
            } else {
                tracing::info!(
                    expected = count,
                    arrived,
                    "waiting for subscribers; responders that connect after the initialization \
                     are not counted unless it is republished: use `periodic(true)` \
                     (CLI: --periodic) if they may start later"
                );
            }
            std::future::pending::<()>().await;
        };
        let waited = async {
            tokio::select! {
                () = reached => {}
                () = republish => {}
                () = hint => {}
            }
        };
        let in_time = match timeout {
            Some(limit) => {
                tokio::time::timeout_at(crate::deadline::deadline(started, limit), waited)
                    .await
                    .is_ok()
            }
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
