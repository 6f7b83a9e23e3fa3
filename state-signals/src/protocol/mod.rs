//! The wire format: serde types and constants, no I/O.

mod channels;
mod escaped;
mod ids;
mod locks;
mod ras;
mod response;
mod result_code;
mod signal;
mod traceparent;

pub use channels::Channels;
pub(crate) use escaped::Escaped;
pub(crate) use ids::{hostname, new_publisher_id, new_responder_id};
pub(crate) use locks::Locks;
pub use ras::Ras;
pub use response::Response;
pub use result_code::ResultCode;
pub(crate) use signal::reserved_by;
pub(crate) use signal::{INITIALIZATION, SHUTDOWN};
pub use signal::{Metadata, Signal};
pub(crate) use traceparent::is_traceparent;
#[cfg(feature = "trace-context")]
pub(crate) use traceparent::{TRACEPARENT, TRACESTATE};

use crate::{Error, Result};

/// The default cap on the size of one received payload: 4 MiB.
pub(crate) const DEFAULT_MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// Why a received payload was skipped.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// Larger than the configured cap.
    TooLarge { len: usize, cap: usize },
    /// Not the JSON the protocol expects.
    Malformed(serde_json::Error),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { len, cap } => write!(f, "{len} bytes exceed the {cap}-byte cap"),
            Self::Malformed(error) => error.fmt(f),
        }
    }
}

/// Parses one JSON payload of at most `cap` bytes.
pub(crate) fn parse_capped<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    cap: usize,
) -> Result<T, Unreadable> {
    if bytes.len() > cap {
        return Err(Unreadable::TooLarge {
            len: bytes.len(),
            cap,
        });
    }
    from_object(bytes).map_err(Unreadable::Malformed)
}

/// A payload must be one JSON object (an array would fill a struct's fields
/// in order, which the Python package refuses too); a key given twice takes
/// its last value, as with Python's `json.loads`.
///
/// The common case is parsed once, straight into `T`; only a payload that
/// fails that way (a repeated key, say) is parsed again through a `Value`.
fn from_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    use serde::de::Error as _;
    let starts_object = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if starts_object && let Ok(parsed) = serde_json::from_slice(bytes) {
        return Ok(parsed);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    if !value.is_object() {
        return Err(serde_json::Error::custom(format!(
            "expected a JSON object, found {}",
            json_type(&value)
        )));
    }
    serde_json::from_value(value)
}

/// Parses one JSON payload, whatever its size.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T> {
    from_object(bytes).map_err(|source| Error::Malformed {
        what,
        source: Box::new(source),
    })
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
