//! Dispatch: the glue from a decoded event to a handler's method.

use std::future::Future;

use super::{DecodeError, SignalEvents};
use crate::protocol::Signal;
use crate::responder::Reply;

/// Calls the handler method of a variant, and the handler's hooks.
///
/// `#[derive(SignalEvents)]` implements it for the enum and every
/// implementor of the generated handler trait
/// (`impl<H: BenchmarkHandler> Dispatch<H> for Benchmark`); the typed
/// responder's [`serve`](crate::TypedSignalResponder::serve) calls it.
/// Its glue methods are for that generated code and the serve loop only
/// (hidden here; they may change in any release); implement the
/// generated handler trait, never this one.
///
/// # Testing a handler without Redis
///
/// [`reply_to`](Self::reply_to) runs a handler on one signal exactly as
/// `serve` does — decode, dispatch, the unknown-event and decode-error
/// hooks, a panic turned into a failure — and returns the [`Reply`] that
/// `serve` would send:
///
/// ```
/// use state_signals::{Dispatch, Reply, Signal, SignalEvents};
///
/// #[derive(SignalEvents)]
/// #[signal(error = "std::num::ParseIntError")]
/// enum Tool {
///     Start { runs: String },
/// }
///
/// struct Collector;
/// impl ToolHandler for Collector {
///     async fn on_start(&mut self, runs: String, _signal: &Signal) -> Result<Reply, std::num::ParseIntError> {
///         let runs: u32 = runs.parse()?;
///         Ok(Reply::success().with_message(format!("{runs} runs")))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut collector = Collector;
/// let signal = Tool::Start { runs: "3".into() }.to_signal()?;
/// let reply = Tool::reply_to(&mut collector, &signal).await;
/// assert_eq!(reply.message(), Some("3 runs"));
///
/// let signal = Tool::Start { runs: "three".into() }.to_signal()?;
/// let reply = Tool::reply_to(&mut collector, &signal).await;
/// assert!(!reply.is_success());
/// assert_eq!(reply.message(), Some("invalid digit found in string"));
///
/// let reply = Tool::reply_to(&mut collector, &Signal::new("stop")).await;
/// assert_eq!(reply.message(), Some("unknown event `stop`: this responder does not handle it"));
/// # Ok::<(), state_signals::Error>(()) }).unwrap();
/// ```
pub trait Dispatch<H>: SignalEvents {
    /// Calls the handler method of this value's variant.
    #[doc(hidden)]
    fn dispatch(self, handler: &mut H, signal: &Signal) -> impl Future<Output = Reply> + Send;

    /// Whether to subscribe to the exporter that sent this `initialization`.
    #[doc(hidden)]
    fn subscribe(handler: &mut H, signal: &Signal) -> impl Future<Output = bool> + Send;

    /// The answer to a signal whose event is not a variant.
    #[doc(hidden)]
    fn unknown_event(handler: &mut H, signal: &Signal) -> impl Future<Output = Reply> + Send;

    /// The answer to a signal whose metadata does not decode into the variant's fields.
    #[doc(hidden)]
    fn decode_error(
        handler: &mut H,
        error: DecodeError,
        signal: &Signal,
    ) -> impl Future<Output = Reply> + Send;

    /// Called on `shutdown` from a subscribed exporter.
    #[doc(hidden)]
    fn shutdown(handler: &mut H, signal: &Signal) -> impl Future<Output = ()> + Send;

    /// The reply `serve` would send for `signal` (see the trait's docs):
    /// for testing a handler without a server. `initialization` and
    /// `shutdown` are the serve loop's business (its `on_subscribe` and
    /// `on_shutdown` hooks): here they are events like any other.
    fn reply_to(handler: &mut H, signal: &Signal) -> impl Future<Output = Reply> + Send
    where
        H: Send,
    {
        async move {
            crate::responder::guarded(super::responder::decode_and_dispatch::<Self, H>(
                handler, signal,
            ))
            .await
            .unwrap_or_else(Reply::failure)
        }
    }
}
