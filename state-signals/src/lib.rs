// The README's links to the guides, as links to the `guide` modules here
// (the first definition of a link label wins).
#![doc = "[api]: crate::guide::api\n[connections]: crate::guide::connections\n[guarantees]: crate::guide::guarantees\n[observing]: crate::guide::observing\n"]
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod deadline;
mod error;
mod exporter;
pub mod guide;
mod metrics;
mod monitor;
mod protocol;
mod queue;
mod responder;
mod throttle;
mod trace;
mod transport;
mod typed;

#[doc(hidden)]
pub mod __private;

pub use error::{Cause, Error, Result};
pub use exporter::{
    Answer, ExporterEvent, ExporterEvents, Initialize, InitializeAndWait, PublishReport,
    PublishSignal, Shutdown, SignalExporter, SignalExporterBuilder,
};
pub use monitor::{Observed, SignalMonitor, SignalMonitorBuilder};
pub use protocol::{Channels, Metadata, Ras, Response, ResultCode, Signal};
pub use responder::{
    Handler, Reply, ResponderHandle, SignalResponder, SignalResponderBuilder, Signals,
};
pub use transport::{ConnectOptions, MemoryBus, SentinelMaster};
pub use typed::{
    DecodeError, Dispatch, SignalEvents, TypedExporterBuilder, TypedResponderBuilder,
    TypedSignalExporter, TypedSignalResponder,
};

/// Derives [`SignalEvents`](trait@SignalEvents), a handler trait and the
/// dispatch glue for an event enum (its attributes: below, and in the
/// `state-signals-derive` crate).
///
/// ```
/// use state_signals::{Reply, Ras, Signal, SignalEvents};
///
/// #[derive(SignalEvents, Debug, Clone, PartialEq)]
/// enum Benchmark {
///     Start,                                   // wire name "start"
///     #[signal(rename = "benchmark-stop")]
///     Stop,
///     Sample { iteration: u32, host: String }, // fields travel in `metadata`
/// }
///
/// struct Collector;
/// impl BenchmarkHandler for Collector {
///     async fn on_start(&mut self, _signal: &Signal) -> Reply { Ras::SUCCESS.into() }
///     async fn on_stop(&mut self, _signal: &Signal) -> Reply { Reply::failure("disk full") }
///     async fn on_sample(&mut self, iteration: u32, host: String, _signal: &Signal) -> Reply {
///         Reply::success().with_message(format!("sample {iteration} from {host}"))
///     }
/// }
///
/// assert_eq!(Benchmark::EVENTS, ["start", "benchmark-stop", "sample"]);
/// let metadata = Benchmark::Sample { iteration: 1, host: "a".into() }.to_metadata().unwrap();
/// assert_eq!(metadata.unwrap()["iteration"], 1);
/// ```
#[cfg(feature = "derive")]
pub use state_signals_derive::SignalEvents;

/// The `serde_json` crate this one uses, re-exported so that metadata
/// ([`Metadata`], `json!`) can be built without depending on it yourself.
pub use serde_json as json;

/// The `redis` crate this one uses, re-exported for
/// [`ConnectOptions::client`], the one place a caller hands in one of its
/// types (the `redis-client` feature).
#[cfg(feature = "redis-client")]
pub use redis;
