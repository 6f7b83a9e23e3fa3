//! `publish_signal`: publish one signal and collect every subscriber's answer.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::Instrument;

use super::state::{Round, Shared};
use super::{
    BoxFuture, DEFAULT_PUBLISH_TIMEOUT, PublishReport, SignalExporter, SignalOptions, is_reserved,
    reserved,
};
use crate::protocol::Metadata;
use crate::{Error, Result};

/// [`SignalExporter::publish_signal`]'s options; await it to publish.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct PublishSignal<'a> {
    exporter: &'a SignalExporter,
    event: String,
    options: SignalOptions,
    timeout: Option<Duration>,
    invalid: Option<Error>,
}

impl<'a> PublishSignal<'a> {
    pub(super) fn new(exporter: &'a SignalExporter, event: String) -> Self {
        Self {
            exporter,
            event,
            options: SignalOptions::default(),
            timeout: Some(DEFAULT_PUBLISH_TIMEOUT),
            invalid: None,
        }
    }

    /// A request that fails with `error` when awaited (a typed event whose
    /// fields did not serialize).
    pub(crate) fn refuse(mut self, error: Error) -> Self {
        self.invalid = Some(error);
        self
    }

    /// The sample number (default `-1`); `0` travels as `0`.
    pub fn sample(mut self, sample_no: i64) -> Self {
        self.options.sample_no = Some(sample_no);
        self
    }

    /// The signal's tag (default `"No tag specified"`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.tag = Some(tag.into());
        self
    }

    /// Extra data: a JSON object.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.options.metadata = Some(metadata);
        self
    }

    /// Extra data given as any JSON value; awaiting fails with
    /// [`Error::MetadataNotObject`] unless it is an object.
    pub fn metadata_value(mut self, metadata: serde_json::Value) -> Self {
        match metadata {
            serde_json::Value::Object(map) => self.options.metadata = Some(map),
            other => {
                self.invalid = Some(Error::MetadataNotObject {
                    found: crate::protocol::json_type(&other),
                })
            }
        }
        self
    }

    /// How long to wait for the answers, from the call on (default 20 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for every answer however long it takes.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }
}

impl<'a> IntoFuture for PublishSignal<'a> {
    type Output = Result<PublishReport>;
    type IntoFuture = BoxFuture<'a, Result<PublishReport>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if let Some(error) = self.invalid {
                return Err(error);
            }
            self.exporter
                .run_publish(self.event, &self.options, self.timeout)
                .await
        })
    }
}

impl SignalExporter {
    pub(super) async fn run_publish(
        &self,
        event: String,
        options: &SignalOptions,
        timeout: Option<Duration>,
    ) -> Result<PublishReport> {
        if is_reserved(&event) {
            return Err(reserved(&event));
        }
        let span = match &self.session {
            Some(session) => crate::trace::publish_span(session, &event),
            None => tracing::Span::none(),
        };
        self.publish_in(event, options, timeout, &span)
            .instrument(span.clone())
            .await
    }

    /// Publishes and collects, in `span` (the publish span when trace
    /// context is on, no span otherwise).
    async fn publish_in(
        &self,
        event: String,
        options: &SignalOptions,
        timeout: Option<Duration>,
        span: &tracing::Span,
    ) -> Result<PublishReport> {
        let _turn = self.publish_turn.lock().await;
        let started = Instant::now();
        let mut signal = self.signal(&event, options);
        if options.sample_no.is_none()
            && let Some(sample_no) = self.next_sample()
        {
            signal.sample_no = sample_no;
        }
        crate::trace::inject(span, &mut signal.metadata);
        let (done_tx, done_rx) = oneshot::channel();
        let expected = {
            let mut state = self.shared.lock();
            if !state.accepting {
                tracing::warn!(%event, "exporter is not initialized: no legality check, no subscribers waited for");
                0
            } else if !state.legal_events.contains(&event) {
                return Err(Error::IllegalEvent {
                    event,
                    legal: state.legal_events.clone(),
                });
            } else {
                let waiting = state.subscribers.clone();
                let expected = waiting.len();
                if expected > 0 {
                    state.round = Some(Round {
                        event: event.clone(),
                        sample_no: signal.sample_no,
                        tag: signal.tag.clone(),
                        waiting,
                        answers: BTreeMap::new(),
                        outsiders: BTreeMap::new(),
                        outsiders_seen: 0,
                        published: Instant::now(),
                        done: Some(done_tx),
                    });
                }
                expected
            }
        };
        // Clears the round however this call ends (also when its future is dropped).
        let round = RoundGuard(&self.shared);
        let receivers = self.send_signal(&signal).await?;
        tracing::debug!(%event, receivers, subscribers = expected, "signal published");
        if expected > 0 {
            self.wait_for_answers(&event, expected, receivers, started, timeout, done_rx)
                .await;
        }
        let round = round.take();
        let (answers, missing, outsiders, outsiders_seen) = round
            .map(|r| (r.answers, r.waiting, r.outsiders, r.outsiders_seen))
            .unwrap_or_default();
        let evicted = self.shared.tally(answers.keys().cloned(), &missing);
        let mut report = PublishReport::new(event, answers, missing, receivers, started.elapsed());
        report.evicted = evicted;
        report.outsiders = outsiders;
        report.outsiders_seen = outsiders_seen;
        tracing::info!(event = %report.event, code = report.code.code(), elapsed = ?report.elapsed, "publish complete");
        crate::metrics::published(&report);
        crate::trace::published(span, signal.sample_no, &report);
        Ok(report)
    }

    /// Waits until every subscriber answered or the timeout (counted from
    /// the call, `started`) ran out; not at all when `PUBLISH` reached no
    /// client of a standalone server (every subscriber is missing).
    async fn wait_for_answers(
        &self,
        event: &str,
        expected: usize,
        receivers: usize,
        started: Instant,
        timeout: Option<Duration>,
        done: oneshot::Receiver<()>,
    ) {
        if receivers == 0 && self.transport.is_standalone().await {
            tracing::warn!(%event, subscribers = expected, "no client received the signal; reporting every subscriber missing");
            return;
        }
        let answered = match timeout {
            Some(limit) => tokio::time::timeout(limit.saturating_sub(started.elapsed()), done)
                .await
                .is_ok(),
            None => done.await.is_ok(),
        };
        if !answered {
            tracing::error!(%event, "timed out waiting for subscriber answers");
        }
    }
}

/// Removes the publish in flight from the shared state when dropped.
struct RoundGuard<'a>(&'a Shared);

impl RoundGuard<'_> {
    fn take(self) -> Option<Round> {
        self.0.lock().round.take()
    }
}

impl Drop for RoundGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().round = None;
    }
}
