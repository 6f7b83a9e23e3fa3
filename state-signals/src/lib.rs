#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod exporter;
mod monitor;
mod protocol;
mod responder;
mod throttle;
mod transport;
mod typed;

#[doc(hidden)]
pub mod __private;

pub use error::{Cause, Error, Result};
pub use exporter::{
    Answer, ExporterEvent, ExporterEvents, Initialize, InitializeAndWait, PublishReport,
    PublishSignal, Shutdown, SignalExporter, SignalExporterBuilder, DEFAULT_PUBLISH_TIMEOUT,
    DEFAULT_SUBSCRIBE_TIMEOUT,
};
pub use monitor::{Observed, SignalMonitor, SignalMonitorBuilder};
pub use protocol::{
    Channels, Escaped, Metadata, Ras, Response, ResultCode, Signal, DEFAULT_MAX_PAYLOAD,
    DEFAULT_SAMPLE_NO, DEFAULT_TAG, INITIALIZATION, SHUTDOWN,
};
pub use responder::{
    Handler, Reply, ResponderHandle, SignalResponder, SignalResponderBuilder, Signals,
    DEFAULT_QUEUE_CAPACITY,
};
pub use transport::{
    ConnectOptions, MemoryBus, DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_HEALTH_CHECK_INTERVAL,
};
pub use typed::{
    DecodeError, Dispatch, SignalEvents, TypedExporterBuilder, TypedPublish, TypedResponderBuilder,
    TypedSignalExporter, TypedSignalResponder,
};

/// Derives [`SignalEvents`](trait@SignalEvents), a handler trait and
/// [`Dispatch`] for an event enum (see the `state-signals-derive` crate).
#[cfg(feature = "derive")]
pub use state_signals_derive::SignalEvents;

/// The `serde_json` crate this one uses, re-exported so that metadata
/// ([`Metadata`], `json!`) can be built without depending on it yourself.
pub use serde_json as json;

/// The `redis` crate this one uses, re-exported for
/// [`ConnectOptions::client`], the one place a caller hands in one of its types.
pub use redis;

/// This machine's hostname: the default runner host and responder name.
fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
