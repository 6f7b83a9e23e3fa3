//! The typed layer: the traits `#[derive(SignalEvents)]` implements, and the
//! typed exporter and responder built on the string-event core.

/// Setters of a typed builder that hand their option to the untyped
/// builder underneath, so that options and `typed::<E>()` come in any order.
macro_rules! forward_setters {
    ($untyped:ident: $( fn $name:ident($arg:ident: $ty:ty); )*) => {
        $(
            #[doc = concat!("See [`", stringify!($untyped), "::", stringify!($name), "`](crate::", stringify!($untyped), "::", stringify!($name), ").")]
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.builder = self.builder.$name($arg);
                self
            }
        )*
    };
}

mod decode;
mod dispatch;
mod events;
mod exporter;
mod payload;
mod responder;

pub use decode::DecodeError;
pub use dispatch::Dispatch;
pub use events::SignalEvents;
pub use exporter::{TypedExporterBuilder, TypedSignalExporter};
pub use responder::{TypedResponderBuilder, TypedSignalResponder};

#[doc(hidden)]
pub use payload::{decode_payload, encode_payload};
