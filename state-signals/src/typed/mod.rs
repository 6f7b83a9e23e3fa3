//! The typed layer: the traits `#[derive(SignalEvents)]` implements, and the
//! typed exporter and responder built on the string-event core.

mod decode;
mod dispatch;
mod events;
mod exporter;
mod payload;
mod responder;

pub use decode::DecodeError;
pub use dispatch::Dispatch;
pub use events::SignalEvents;
pub use exporter::{TypedExporterBuilder, TypedPublish, TypedSignalExporter};
pub use responder::{TypedResponderBuilder, TypedSignalResponder};

#[doc(hidden)]
pub use payload::{decode_payload, encode_payload};
