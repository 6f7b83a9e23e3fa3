//! The serve loop: the protocol's steps around a [`Handler`].

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::Instant;
use tracing::Instrument;

use super::intake::{ServeGate, Step};
use super::{Reply, ResponderHandle, SignalResponder, Signals};
use crate::protocol::Escaped;
use crate::protocol::Signal;
use crate::{Error, Result};

/// What a responder does with the signals of the exporters it serves; run
/// by [`SignalResponder::serve`].
///
/// Only [`on_signal`](Self::on_signal) is required. Methods are declared as
/// returning `impl Future + Send`, so implementors write `async fn`:
///
/// ```
/// use state_signals::{Handler, Reply, Signal};
///
/// struct Collector;
///
/// impl Handler for Collector {
///     async fn on_signal(&mut self, signal: &Signal) -> Reply {
///         match signal.event.as_str() {
///             "benchmark-start" => Reply::success(),
///             other => Reply::failure(format!("unknown event {other}")),
///         }
///     }
/// }
/// ```
pub trait Handler: Send {
    /// The answer to one signal of a served exporter (never
    /// `initialization` or `shutdown`).
    fn on_signal(&mut self, signal: &Signal) -> impl Future<Output = Reply> + Send;

    /// Whether to serve the exporter that sent this `initialization`
    /// (default: yes). Asked once per exporter; a republished
    /// `initialization` of a served exporter is answered without asking.
    fn on_subscribe(&mut self, signal: &Signal) -> impl Future<Output = bool> + Send {
        let _ = signal;
        std::future::ready(true)
    }

    /// Called on `shutdown` from a served exporter (default: nothing).
    fn on_shutdown(&mut self, signal: &Signal) -> impl Future<Output = ()> + Send {
        let _ = signal;
        std::future::ready(())
    }
}

/// The serve loop's options, from the builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServeOptions {
    pub(crate) process_name: Option<String>,
    pub(crate) keep_running: bool,
    pub(crate) idle_timeout: Option<Duration>,
}

impl SignalResponder {
    /// Serves `handler` until every exporter it served has shut down, and
    /// returns it.
    ///
    /// The loop:
    /// - answers an exporter's `initialization` with [`Reply::ack`] (which
    ///   subscribes this responder to it) once the builder's
    ///   [`process_name`](crate::SignalResponderBuilder::process_name)
    ///   filter passes and [`Handler::on_subscribe`] agrees; the hook runs
    ///   once per exporter, also for exporters it declines (a republished
    ///   `initialization` is answered again, or ignored, without asking);
    /// - answers every other signal of a served exporter with
    ///   [`Handler::on_signal`]'s reply, and ignores the signals of
    ///   exporters it does not serve (they are dropped on arrival, see
    ///   [`ResponderHandle::filtered_signals`]);
    /// - on `shutdown` from a served exporter calls
    ///   [`Handler::on_shutdown`], and returns once no served exporter is
    ///   left (unless [`keep_running`](crate::SignalResponderBuilder::keep_running));
    /// - **a handler method that panics is answered with a failure RAS
    ///   whose message is the panic text, and serving goes on** (the
    ///   handler's state is whatever the panic left).
    ///
    /// **One signal at a time:** the handler is not called again before its
    /// previous answer is sent. A responder shared by several exporters
    /// therefore serves them one after the other: while it handles a slow
    /// signal of one exporter, another exporter's publish waits, and reports
    /// it missing if its timeout runs out first. Signals that arrive
    /// meanwhile wait in the bounded queue.
    ///
    /// Locks set through a [`handle`](Self::handle) still apply. Dropping
    /// the future stops serving; [`serve_until`](Self::serve_until) stops
    /// when another future completes.
    ///
    /// # Errors
    ///
    /// - [`Error::IdleTimeout`] when the builder's
    ///   [`idle_timeout`](crate::SignalResponderBuilder::idle_timeout)
    ///   passed without a signal from a served exporter;
    /// - the error of an answer the server refused for lack of permission
    ///   ([`Error::is_permission_denied`]): answering can never succeed, so
    ///   serving ends.
    ///
    /// Other failures to answer (a timeout, a dropped connection) are
    /// logged and serving goes on: the exporter reports this responder
    /// missing for that signal.
    pub async fn serve<H: Handler>(self, handler: H) -> Result<H> {
        self.serve_until(handler, std::future::pending::<()>())
            .await
    }

    /// [`serve`](Self::serve) until `stop` completes (a Ctrl-C future, a
    /// cancellation token's `cancelled()` …); a signal being handled then is
    /// finished and answered first.
    ///
    /// # Errors
    ///
    /// Those of [`serve`](Self::serve).
    pub async fn serve_until<H: Handler>(
        self,
        handler: H,
        stop: impl Future<Output = ()>,
    ) -> Result<H> {
        let options = self.serve.clone();
        let (handle, signals) = self.split();
        handle.intake().gate().serve = Some(ServeGate::new(options.process_name.clone()));
        let mut serving = Serving {
            handle,
            handler,
            options,
        };
        let outcome = serving.run(signals, stop).await;
        serving.handle.intake().gate().serve = None;
        let dropped = serving.handle.dropped_signals();
        if dropped > 0 {
            tracing::warn!(
                signals_dropped = dropped,
                "signals were dropped while the queue was full"
            );
        }
        outcome.map(|()| serving.handler)
    }
}

struct Serving<H> {
    handle: ResponderHandle,
    handler: H,
    options: ServeOptions,
}

impl<H: Handler> Serving<H> {
    async fn run(&mut self, mut signals: Signals, stop: impl Future<Output = ()>) -> Result<()> {
        let mut stop = std::pin::pin!(stop);
        let mut idle_since = Instant::now();
        loop {
            let idle = async {
                match self.options.idle_timeout {
                    Some(limit) => {
                        tokio::time::sleep_until(crate::deadline::deadline(idle_since, limit)).await
                    }
                    None => std::future::pending().await,
                }
            };
            let signal = tokio::select! {
                signal = signals.recv() => match signal {
                    Some(signal) => signal,
                    None => return Ok(()),
                },
                () = &mut stop => return Ok(()),
                () = idle => {
                    let idle = self.options.idle_timeout.unwrap_or_default();
                    tracing::warn!(?idle, "no signal from a served exporter; giving up");
                    return Err(Error::IdleTimeout { idle });
                }
            };
            let pid = &signal.publisher_id;
            match self.step(&signal) {
                Step::Skip => {
                    self.handle.intake().count_filtered(&signal);
                    continue;
                }
                Step::Ack => answer(&self.handle, &signal, Reply::ack()).await?,
                Step::Decide => {
                    let wanted = guarded(self.handler.on_subscribe(&signal))
                        .await
                        .unwrap_or(false);
                    if let Some(serve) = self.handle.intake().gate().serve.as_mut() {
                        serve.decide(pid, wanted);
                    }
                    if !wanted {
                        tracing::debug!(publisher_id = %Escaped(pid), "the subscribe hook declined this exporter");
                        continue;
                    }
                    tracing::info!(publisher_id = %Escaped(pid), process_name = %Escaped(&signal.process_name), "subscribing to exporter");
                    answer(&self.handle, &signal, Reply::ack()).await?;
                }
                Step::Shutdown => {
                    guarded(self.handler.on_shutdown(&signal)).await.ok();
                    let left = self.handle.intake().gate().serve.as_mut().map(|serve| {
                        serve.served.remove(pid);
                        serve.served.len()
                    });
                    tracing::info!(publisher_id = %Escaped(pid), "exporter shut down");
                    if left == Some(0) && !self.options.keep_running {
                        return Ok(());
                    }
                }
                Step::Handle => {
                    // A child of the exporter's publish span when the
                    // signal carries its trace context (`trace-context`).
                    let span = crate::trace::handler_span(&signal);
                    async {
                        let reply = guarded(self.handler.on_signal(&signal))
                            .await
                            .unwrap_or_else(Reply::failure);
                        answer(&self.handle, &signal, reply).await
                    }
                    .instrument(span)
                    .await?;
                }
            }
            idle_since = Instant::now();
        }
    }

    /// Classifies a signal against the served exporters, under the gate.
    fn step(&self, signal: &Signal) -> Step {
        let gate = self.handle.intake().gate();
        gate.serve
            .as_ref()
            .map_or(Step::Skip, |serve| serve.step(signal))
    }
}

/// Sends a reply; only a refusal that can never change ends serving.
///
/// A free function: holding `&Serving` across the await would require the
/// handler to be `Sync`.
async fn answer(handle: &ResponderHandle, signal: &Signal, reply: Reply) -> Result<()> {
    match handle.respond_to(signal, reply).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_permission_denied() => {
            tracing::error!(%error, "the server refuses this responder's answers; stopping");
            Err(error)
        }
        Err(error) => {
            tracing::warn!(%error, event = %Escaped(&signal.event), "could not answer");
            Ok(())
        }
    }
}

/// Runs a handler future; a panic becomes `Err(panic text)`.
pub(crate) async fn guarded<T>(fut: impl Future<Output = T>) -> Result<T, String> {
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
