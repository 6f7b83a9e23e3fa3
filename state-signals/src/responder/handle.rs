//! ResponderHandle: everything a responder does but read — answer, lock, count.

use std::sync::Arc;

use super::Reply;
use super::intake::Intake;
use crate::Result;
use crate::protocol::Escaped;
use crate::protocol::{Channels, Locks, Response, Signal};
use crate::transport::Transport;

/// The sending side of a responder: its id, its locks, its answers and its
/// counters. Cheap to clone; every clone shares the connection. It cannot
/// read signals: that is the one [`Signals`](crate::Signals) stream's job.
///
/// Obtained from [`SignalResponder::split`](crate::SignalResponder::split)
/// or [`SignalResponder::handle`](crate::SignalResponder::handle).
#[derive(Clone)]
pub struct ResponderHandle {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    responder_id: String,
    channels: Channels,
    intake: Arc<Intake>,
}

impl Drop for Inner {
    /// The last handle is gone: the signal stream ends after what is queued.
    fn drop(&mut self) {
        self.intake.end();
    }
}

impl ResponderHandle {
    pub(super) fn new(
        transport: Transport,
        responder_id: String,
        channels: Channels,
        intake: Arc<Intake>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport,
                responder_id,
                channels,
                intake,
            }),
        }
    }

    pub(super) fn intake(&self) -> &Intake {
        &self.inner.intake
    }

    /// This responder's id, sent in every response.
    pub fn responder_id(&self) -> &str {
        &self.inner.responder_id
    }

    /// The channels this responder uses.
    pub fn channels(&self) -> &Channels {
        &self.inner.channels
    }

    /// Yields only signals from this publisher id from now on (signals
    /// already queued included).
    pub fn lock_id(&self, publisher_id: &str) {
        tracing::debug!(%publisher_id, "locked onto publisher");
        self.inner.intake.gate().locks.publisher_id = Some(publisher_id.to_owned());
    }

    /// Yields only signals with this tag from now on (signals already queued
    /// included).
    pub fn lock_tag(&self, tag: &str) {
        tracing::debug!(%tag, "locked onto tag");
        self.inner.intake.gate().locks.tag = Some(tag.to_owned());
    }

    /// Releases both locks.
    pub fn unlock(&self) {
        tracing::debug!("released locks");
        self.inner.intake.gate().locks = Locks::default();
    }

    /// Whether the responder is subscribed right now: its connection is up
    /// and the server confirmed its subscription to the signal channel.
    /// False while a lost connection is being replaced, or while the server
    /// refuses the resubscription (logged as an error with the server's
    /// reason, and retried).
    pub fn is_subscribed(&self) -> bool {
        self.inner.transport.is_connected()
    }

    /// How many signals were dropped because the queue was full (see
    /// [`queue_capacity`](crate::SignalResponderBuilder::queue_capacity)).
    pub fn dropped_signals(&self) -> u64 {
        self.inner.intake.dropped()
    }

    /// How many signals were discarded on arrival because they could never
    /// be acted on: they failed a lock, or came from an exporter the serve
    /// loop does not serve.
    pub fn filtered_signals(&self) -> u64 {
        self.inner.intake.filtered()
    }

    /// Answers `publisher_id`'s `event`. Answering `initialization` (with
    /// [`Reply::ack`] or any reply) subscribes this responder to that exporter.
    ///
    /// This raw form has no signal, so the answer carries no `sample_no` /
    /// `tag`: a Rust exporter cannot tell it from a late answer to an
    /// earlier signal of the same event. Prefer [`respond_to`](Self::respond_to).
    ///
    /// # Errors
    ///
    /// [`Error::Redis`](crate::Error::Redis) when the server refused the
    /// `PUBLISH` (for example for lack of permission on the response
    /// channel, see [`Error::is_permission_denied`](crate::Error::is_permission_denied))
    /// or the connection failed during it, and
    /// [`Error::CommandTimeout`](crate::Error::CommandTimeout) when it got
    /// no answer within the command timeout.
    pub async fn respond(
        &self,
        publisher_id: &str,
        event: &str,
        reply: impl Into<Reply>,
    ) -> Result<()> {
        let response = Response::new(event).with_publisher_id(publisher_id);
        self.send(response, reply.into()).await
    }

    /// Answers `signal` (the Python package's `srespond`). The answer
    /// carries the signal's `sample_no` and `tag` (an extension the Python
    /// exporter ignores), so that a Rust exporter never counts it for
    /// another signal. With the `trace-context` feature, when the signal
    /// carried a trace context, it also carries the current span's (answer
    /// inside your handling span: the exporter links its publish span to it).
    ///
    /// # Errors
    ///
    /// Those of [`respond`](Self::respond).
    pub async fn respond_to(&self, signal: &Signal, reply: impl Into<Reply>) -> Result<()> {
        let mut response = Response::new(signal.event.as_str())
            .with_publisher_id(signal.publisher_id.as_str())
            .answering(signal);
        response.traceparent = crate::trace::answer_traceparent(signal);
        self.send(response, reply.into()).await
    }

    async fn send(&self, mut response: Response, reply: Reply) -> Result<()> {
        let (ras, message) = reply.into_parts();
        response.responder_id.clone_from(&self.inner.responder_id);
        response.ras = ras;
        response.message = message;
        let receivers = self
            .inner
            .transport
            .publish(self.inner.channels.responses(), response.to_json())
            .await?;
        tracing::debug!(publisher_id = %Escaped(&response.publisher_id), event = %Escaped(&response.event), ?ras, receivers, "responded");
        Ok(())
    }
}

impl std::fmt::Debug for ResponderHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponderHandle")
            .field("responder_id", &self.inner.responder_id)
            .field("target", &self.inner.transport.target())
            .field("channels", &self.inner.channels)
            .finish_non_exhaustive()
    }
}
