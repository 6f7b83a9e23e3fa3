//! Paths used by the code `#[derive(SignalEvents)]` generates. Not public API.

pub use crate::typed::{decode_field, encode_field};

/// Fails to compile, pointing at the field type, unless it is
/// `Serialize + DeserializeOwned`.
pub const fn assert_field<T: serde::Serialize + serde::de::DeserializeOwned>() {}

/// The default answer to an event the enum does not know.
pub fn unknown_event_reply(signal: &crate::Signal) -> crate::Reply {
    crate::Reply::failure(format!(
        "unknown event `{}`: this responder does not handle it",
        signal.event
    ))
}

/// The default answer to a payload that does not decode.
pub fn decode_error_reply(error: crate::DecodeError) -> crate::Reply {
    crate::Reply::failure(error.to_string())
}
