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
pub trait Dispatch<H>: SignalEvents {
    /// Calls the handler method of this value's variant.
    fn dispatch(self, handler: &mut H, signal: &Signal) -> impl Future<Output = Reply> + Send;

    /// Whether to subscribe to the exporter that sent this `initialization`.
    fn subscribe(handler: &mut H, signal: &Signal) -> impl Future<Output = bool> + Send;

    /// The answer to a signal whose event is not a variant.
    fn unknown_event(handler: &mut H, signal: &Signal) -> impl Future<Output = Reply> + Send;

    /// The answer to a signal whose metadata does not decode into the variant's fields.
    fn decode_error(
        handler: &mut H,
        error: DecodeError,
        signal: &Signal,
    ) -> impl Future<Output = Reply> + Send;

    /// Called on `shutdown` from a subscribed exporter.
    fn shutdown(handler: &mut H, signal: &Signal) -> impl Future<Output = ()> + Send;
}
