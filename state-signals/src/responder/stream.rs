//! Signals: the stream of well-formed signals a responder receives.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::Stream;

use super::Inner;
use crate::protocol::Signal;
use crate::transport::{decode, Incoming};

/// The signals a [`SignalResponder`](crate::SignalResponder) receives, as a
/// [`Stream`]: well-formed signals that pass the locks, in the order Redis
/// delivered them. Malformed or oversized payloads are logged and skipped.
///
/// All streams of one responder (and its clones) share one queue: each signal
/// goes to one of them. Use one stream at a time. Signals received while
/// nobody polls are queued (unbounded) until the stream is polled again. The
/// stream ends only when the responder's connection is gone for good.
#[must_use = "streams do nothing unless polled"]
pub struct Signals {
    pub(super) inner: Arc<Inner>,
}

impl Signals {
    /// The next signal; `None` when the stream has ended.
    pub async fn recv(&mut self) -> Option<Signal> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Signals {
    type Item = Signal;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Signal>> {
        let inner = &self.inner;
        let mut pushes = inner
            .pushes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            let Some(push) = ready!(pushes.poll_recv(cx)) else {
                return Poll::Ready(None);
            };
            if let Some(Incoming::Signal(signal)) = decode(push, &inner.channels, inner.max_payload)
            {
                if inner.locks().admit(&signal) {
                    return Poll::Ready(Some(signal));
                }
                tracing::trace!(publisher_id = %signal.publisher_id, tag = %signal.tag, "signal filtered out by a lock");
            }
        }
    }
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signals")
            .field("responder_id", &self.inner.responder_id)
            .finish()
    }
}
