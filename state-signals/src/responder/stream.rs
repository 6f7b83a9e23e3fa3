//! Signals: the one stream of signals a responder yields.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_util::Stream;

use super::intake::Intake;
use crate::protocol::Signal;

/// The signals a [`SignalResponder`](crate::SignalResponder) receives, as a
/// [`Stream`]: well-formed signals that pass the locks, in the order Redis
/// delivered them. Malformed or oversized payloads are logged and skipped.
///
/// There is exactly one `Signals` per responder, from
/// [`SignalResponder::split`](crate::SignalResponder::split); it is not
/// `Clone`, and a [`ResponderHandle`](crate::ResponderHandle) cannot make
/// another. Signals that arrive while it is not polled wait in a bounded
/// queue (see
/// [`queue_capacity`](crate::SignalResponderBuilder::queue_capacity)). The
/// connection is re-established after every drop, for as long as the
/// responder lives: the stream ends only when the last
/// [`ResponderHandle`](crate::ResponderHandle) is dropped (after the
/// signals already queued).
///
/// This is the raw stream: the protocol's own steps (answer
/// `initialization` to subscribe, stop on `shutdown`) are the caller's. The
/// serve loop ([`SignalResponder::serve`](crate::SignalResponder::serve))
/// does them for you.
#[must_use = "streams do nothing unless polled"]
pub struct Signals {
    pub(super) intake: Arc<Intake>,
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
        loop {
            let Some(signal) = ready!(self.intake.poll_take(cx)) else {
                return Poll::Ready(None);
            };
            // Locks set while the signal waited in the queue apply to it too.
            if self.intake.gate().locks.admit(&signal) {
                return Poll::Ready(Some(signal));
            }
            self.intake.count_filtered(&signal);
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.intake.close();
    }
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signals")
            .field("queued", &self.intake.queued())
            .finish_non_exhaustive()
    }
}
