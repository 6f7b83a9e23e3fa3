//! # state-signals
//!
//! Coordinate processes through Redis pub/sub with state/event signals,
//! wire-compatible with the Python package
//! [`state-signals`](https://pypi.org/project/state-signals/) 1.0.1.
//!
//! An *exporter* ([`SignalExporter`]) announces the states of a process —
//! `benchmark-start`, `benchmark-stop` — and *responders*
//! ([`SignalResponder`]) act on each signal and answer with a RAS code
//! (Response Action Success, [`Ras`]). The exporter knows who subscribed,
//! waits for all of them without polling, and reports who succeeded, who
//! failed and who never answered ([`PublishReport`]).
//!
//! ```no_run
//! # async fn run() -> state_signals::Result<()> {
//! use futures_util::StreamExt;
//! use state_signals::{Reply, SignalExporter, SignalResponder};
//!
//! // A responder, e.g. a data collector in another process or pod.
//! let responder = SignalResponder::builder().name("collector").connect().await?;
//! tokio::spawn(async move {
//!     let mut signals = responder.signals();
//!     while let Some(signal) = signals.next().await {
//!         let reply = if signal.is_initialization() { Reply::ack() } else { Reply::success() };
//!         responder.respond_to(&signal, reply).await.ok();
//!     }
//! });
//!
//! // The exporter: the benchmark runner.
//! let exporter = SignalExporter::builder("my-benchmark").connect().await?;
//! exporter.initialize_and_wait(1, ["benchmark-start", "benchmark-stop"]).await?;
//! let report = exporter.publish_signal("benchmark-start").await?;
//! assert!(report.all_succeeded());
//! exporter.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The wire protocol is described in `PROTOCOL.md` and summed up in the
//! README. Waiting is event-driven, a dropped Redis connection is
//! re-established and resubscribed, and malformed payloads are logged with
//! `tracing` and skipped, never a panic.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod exporter;
mod protocol;
mod responder;
mod transport;
mod typed;

#[doc(hidden)]
pub mod __private;

pub use error::{Error, Result};
pub use exporter::{
    Answer, ExporterEvent, Initialize, InitializeAndWait, PublishReport, PublishSignal,
    SignalExporter, SignalExporterBuilder, DEFAULT_PUBLISH_TIMEOUT, DEFAULT_SUBSCRIBE_TIMEOUT,
};
pub use protocol::{
    Channels, Metadata, Ras, Response, ResultCode, Signal, DEFAULT_MAX_PAYLOAD, DEFAULT_SAMPLE_NO,
    DEFAULT_TAG, INITIALIZATION, SHUTDOWN,
};
pub use responder::{Reply, SignalResponder, SignalResponderBuilder, Signals};
pub use transport::{DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT};
pub use typed::{
    DecodeError, Dispatch, SignalEvents, TypedExporterBuilder, TypedPublish, TypedResponderBuilder,
    TypedSignalExporter, TypedSignalResponder,
};

/// Derives [`SignalEvents`](trait@SignalEvents), a handler trait and
/// [`Dispatch`] for an event enum (see the `state-signals-derive` crate).
#[cfg(feature = "derive")]
pub use state_signals_derive::SignalEvents;

/// This machine's hostname: the default runner host and responder name.
fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}
