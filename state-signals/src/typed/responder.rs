//! TypedSignalResponder: the serve loop with a generated handler trait behind
//! an adapter that decodes each signal into the event enum.

use std::future::Future;
use std::marker::PhantomData;

use super::{DecodeError, Dispatch, SignalEvents};
use crate::protocol::Signal;
use crate::{Handler, Reply, ResponderHandle, Result, SignalResponder, SignalResponderBuilder};

/// Configures and connects a [`TypedSignalResponder`]; from
/// [`SignalResponderBuilder::typed`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct TypedResponderBuilder<E> {
    builder: SignalResponderBuilder,
    events: PhantomData<fn() -> E>,
}

impl SignalResponderBuilder {
    /// A typed responder that decodes signals into `E` and serves a handler.
    pub fn typed<E: SignalEvents>(self) -> TypedResponderBuilder<E> {
        TypedResponderBuilder {
            builder: self,
            events: PhantomData,
        }
    }
}

impl<E: SignalEvents> TypedResponderBuilder<E> {
    forward_setters! { SignalResponderBuilder:
        fn options(options: crate::ConnectOptions);
        fn url(url: impl Into<String>);
        fn name(name: impl Into<String>);
        fn responder_id(id: impl Into<String>);
        fn queue_capacity(signals: usize);
        fn process_name(process_name: impl Into<String>);
        fn keep_running(keep_running: bool);
        fn idle_timeout(idle: std::time::Duration);
    }

    /// Connects; returns once the signal channel subscription is confirmed.
    ///
    /// # Errors
    ///
    /// Those of [`SignalResponderBuilder::connect`].
    pub async fn connect(self) -> Result<TypedSignalResponder<E>> {
        Ok(TypedSignalResponder {
            inner: self.builder.connect().await?,
            events: PhantomData,
        })
    }
}

/// A [`SignalResponder`] that decodes signals into the event enum `E` and
/// calls the matching method of a handler (the `<Enum>Handler` trait the
/// derive generates).
///
/// [`serve`](Self::serve) is [`SignalResponder::serve`] (same steps, same
/// errors, one signal at a time) with the handler behind the enum:
/// - the handler's `on_subscribe` hook decides whether to serve an
///   exporter, once per exporter;
/// - each signal's variant calls its handler method, whose [`Reply`] is sent;
/// - an event that is not a variant is answered by `on_unknown_event`, and a
///   payload that does not decode by `on_decode_error` (by default a
///   failure naming the event or the field);
/// - **a handler method that panics is answered with a failure RAS whose
///   message is the panic text, and serving goes on**;
/// - `on_shutdown` runs on `shutdown` from a served exporter.
///
/// ```no_run
/// use state_signals::{Reply, Signal, SignalEvents, SignalResponder};
///
/// #[derive(SignalEvents)]
/// enum Benchmark {
///     Start,
///     Sample { iteration: u32 },
/// }
///
/// struct Collector { samples: u32 }
///
/// impl BenchmarkHandler for Collector {
///     async fn on_start(&mut self, _signal: &Signal) -> Reply {
///         Reply::success()
///     }
///     async fn on_sample(&mut self, iteration: u32, _signal: &Signal) -> Reply {
///         self.samples += 1;
///         Reply::success().with_message(format!("sample {iteration}"))
///     }
/// }
///
/// # async fn run() -> state_signals::Result<()> {
/// let responder = SignalResponder::builder()
///     .process_name("fio-run")          // serve this benchmark only
///     .typed::<Benchmark>()
///     .connect()
///     .await?;
/// let collector = responder.serve(Collector { samples: 0 }).await?;  // until shutdown
/// println!("{} samples", collector.samples);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TypedSignalResponder<E> {
    inner: SignalResponder,
    events: PhantomData<fn() -> E>,
}

impl<E: SignalEvents> TypedSignalResponder<E> {
    /// The responder's handle: id, locks, manual answers, counters (as
    /// [`SignalResponder::handle`]).
    pub fn handle(&self) -> &ResponderHandle {
        self.inner.handle()
    }

    /// Serves `handler` (see the type's docs); returns it when done.
    ///
    /// # Errors
    ///
    /// Those of [`SignalResponder::serve`].
    pub async fn serve<H>(self, handler: H) -> Result<H>
    where
        E: Dispatch<H>,
        H: Send,
    {
        self.serve_until(handler, std::future::pending::<()>())
            .await
    }

    /// [`serve`](Self::serve) until `stop` completes; a signal being handled
    /// then is finished and answered first.
    ///
    /// # Errors
    ///
    /// Those of [`SignalResponder::serve`].
    pub async fn serve_until<H>(self, handler: H, stop: impl Future<Output = ()>) -> Result<H>
    where
        E: Dispatch<H>,
        H: Send,
    {
        let typed = Typed::<E, H> {
            handler,
            events: PhantomData,
        };
        Ok(self.inner.serve_until(typed, stop).await?.handler)
    }
}

/// The string-level [`Handler`] of a typed handler: decodes, then dispatches.
struct Typed<E, H> {
    handler: H,
    events: PhantomData<fn() -> E>,
}

/// Decodes `signal` into `E` and calls the handler's method or hook.
pub(crate) async fn decode_and_dispatch<E: Dispatch<H>, H: Send>(
    handler: &mut H,
    signal: &Signal,
) -> Reply {
    match E::from_signal(signal) {
        Ok(event) => event.dispatch(handler, signal).await,
        Err(error @ DecodeError::UnknownEvent { .. }) => {
            tracing::warn!(%error, "signal for an event the enum does not know");
            E::unknown_event(handler, signal).await
        }
        Err(error) => {
            tracing::warn!(%error, "signal payload does not decode");
            E::decode_error(handler, error, signal).await
        }
    }
}

impl<E: Dispatch<H>, H: Send> Handler for Typed<E, H> {
    async fn on_signal(&mut self, signal: &Signal) -> Reply {
        decode_and_dispatch::<E, H>(&mut self.handler, signal).await
    }

    async fn on_subscribe(&mut self, signal: &Signal) -> bool {
        E::subscribe(&mut self.handler, signal).await
    }

    async fn on_shutdown(&mut self, signal: &Signal) {
        E::shutdown(&mut self.handler, signal).await;
    }
}
