//! TypedSignalResponder: the serve loop that calls a generated handler trait.

use std::collections::BTreeSet;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;

use futures_util::{FutureExt, StreamExt};

use super::{DecodeError, Dispatch, SignalEvents};
use crate::protocol::Signal;
use crate::{Reply, Result, SignalResponder, SignalResponderBuilder};

/// Configures and connects a [`TypedSignalResponder`]; from
/// [`SignalResponderBuilder::typed`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct TypedResponderBuilder<E> {
    builder: SignalResponderBuilder,
    process_name: Option<String>,
    keep_running: bool,
    events: PhantomData<fn() -> E>,
}

impl SignalResponderBuilder {
    /// A typed responder that decodes signals into `E` and serves a handler.
    pub fn typed<E: SignalEvents>(self) -> TypedResponderBuilder<E> {
        TypedResponderBuilder {
            builder: self,
            process_name: None,
            keep_running: false,
            events: PhantomData,
        }
    }
}

impl<E: SignalEvents> TypedResponderBuilder<E> {
    /// Subscribes only to exporters of this process name (default: every
    /// exporter, as far as the handler's `on_subscribe` hook agrees), so a
    /// typed responder on a shared server does not join unrelated runs.
    pub fn process_name(mut self, process_name: impl Into<String>) -> Self {
        self.process_name = Some(process_name.into());
        self
    }

    /// Keeps serving after every exporter served has shut down (default:
    /// `serve` returns then).
    pub fn keep_running(mut self, keep_running: bool) -> Self {
        self.keep_running = keep_running;
        self
    }

    /// Connects; returns once the signal channel subscription is confirmed.
    pub async fn connect(self) -> Result<TypedSignalResponder<E>> {
        Ok(TypedSignalResponder {
            inner: self.builder.connect().await?,
            process_name: self.process_name,
            keep_running: self.keep_running,
            events: PhantomData,
        })
    }
}

/// A [`SignalResponder`] that decodes signals into the event enum `E` and
/// calls the matching method of a handler (the `<Enum>Handler` trait the
/// derive generates).
///
/// [`serve`](Self::serve):
/// - answers an exporter's `initialization` (once the handler's
///   `on_subscribe` hook agreed and the process-name filter passed) and from
///   then on serves its signals; a republished `initialization` is answered
///   again without calling the hook again;
/// - calls the handler method of each signal's variant and sends its [`Reply`];
/// - answers an event that is not a variant with `on_unknown_event` (by
///   default a failure naming the event), and a payload that does not decode
///   with `on_decode_error` (by default a failure naming the field);
/// - **a handler method that panics is answered with a failure RAS whose
///   message is the panic text, and serving goes on** (the panic is still
///   printed by the panic hook; the handler's state is whatever the panic
///   left);
/// - on `shutdown` from a served exporter calls `on_shutdown`, and returns
///   once every exporter it served has shut down (unless
///   [`keep_running`](TypedResponderBuilder::keep_running)).
///
/// Locks ([`lock_id`](SignalResponder::lock_id), [`lock_tag`](SignalResponder::lock_tag)) on
/// [`responder`](Self::responder) still apply. Dropping the `serve` future
/// stops it; [`serve_until`](Self::serve_until) stops when a future completes.
#[derive(Debug)]
pub struct TypedSignalResponder<E> {
    inner: SignalResponder,
    process_name: Option<String>,
    keep_running: bool,
    events: PhantomData<fn() -> E>,
}

impl<E: SignalEvents> TypedSignalResponder<E> {
    /// The string-event responder underneath (id, locks, manual answers).
    pub fn responder(&self) -> &SignalResponder {
        &self.inner
    }

    /// Serves `handler` (see the type's docs); returns it when done.
    pub async fn serve<H>(&self, handler: H) -> Result<H>
    where
        E: Dispatch<H>,
        H: Send,
    {
        self.serve_until(handler, std::future::pending::<()>())
            .await
    }

    /// [`serve`](Self::serve) until `stop` completes (e.g. a Ctrl-C future or
    /// a cancellation token's `cancelled()`); a signal being handled then is
    /// finished and answered first.
    pub async fn serve_until<H>(&self, mut handler: H, stop: impl Future<Output = ()>) -> Result<H>
    where
        E: Dispatch<H>,
        H: Send,
    {
        let mut signals = self.inner.signals();
        let mut served = BTreeSet::new();
        let mut stop = std::pin::pin!(stop);
        loop {
            let signal = tokio::select! {
                signal = signals.next() => match signal {
                    Some(signal) => signal,
                    None => return Ok(handler),
                },
                () = &mut stop => return Ok(handler),
            };
            let pid = signal.publisher_id.clone();
            if signal.is_initialization() {
                if !served.contains(&pid) {
                    if !self.wants(&mut handler, &signal).await {
                        continue;
                    }
                    tracing::info!(publisher_id = %pid, process_name = %signal.process_name, "subscribing to exporter");
                    served.insert(pid);
                }
                self.answer(&signal, Reply::ack()).await;
            } else if !served.contains(&pid) {
                tracing::trace!(publisher_id = %pid, "signal from an exporter not served");
            } else if signal.is_shutdown() {
                guarded(E::shutdown(&mut handler, &signal)).await.ok();
                served.remove(&pid);
                tracing::info!(publisher_id = %pid, "exporter shut down");
                if served.is_empty() && !self.keep_running {
                    return Ok(handler);
                }
            } else {
                let reply = Self::handle(&mut handler, &signal).await;
                self.answer(&signal, reply).await;
            }
        }
    }

    async fn wants<H: Send>(&self, handler: &mut H, signal: &Signal) -> bool
    where
        E: Dispatch<H>,
    {
        if let Some(name) = &self.process_name {
            if *name != signal.process_name {
                tracing::debug!(process_name = %signal.process_name, "exporter of another process; not subscribing");
                return false;
            }
        }
        guarded(E::subscribe(handler, signal))
            .await
            .unwrap_or(false)
    }

    async fn handle<H: Send>(handler: &mut H, signal: &Signal) -> Reply
    where
        E: Dispatch<H>,
    {
        let reply = match E::from_signal(signal) {
            Ok(event) => guarded(event.dispatch(handler, signal)).await,
            Err(error @ DecodeError::UnknownEvent { .. }) => {
                tracing::warn!(%error, "signal for an event the enum does not know");
                guarded(E::unknown_event(handler, signal)).await
            }
            Err(error) => {
                tracing::warn!(%error, "signal payload does not decode");
                guarded(E::decode_error(handler, error, signal)).await
            }
        };
        reply.unwrap_or_else(Reply::failure)
    }

    async fn answer(&self, signal: &Signal, reply: Reply) {
        if let Err(error) = self.inner.respond_to(signal, reply).await {
            tracing::warn!(%error, event = %signal.event, "could not answer");
        }
    }
}

/// Runs a handler future; a panic becomes `Err(panic text)`.
async fn guarded<T>(fut: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(fut).catch_unwind().await.map_err(|panic| {
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "handler panicked".to_owned());
        tracing::error!(panic = %text, "handler panicked");
        format!("handler panicked: {text}")
    })
}
