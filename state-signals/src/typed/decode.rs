//! DecodeError, and the per-field encoding the derive's generated code calls.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::protocol::Metadata;
use crate::{Error, Result};

/// Why a received signal is not a value of the event enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The signal's event is not a variant of the enum.
    #[error("unknown event `{event}`")]
    UnknownEvent {
        /// The event name received.
        event: String,
    },
    /// The metadata does not hold a field of the variant, or holds it with the wrong type.
    #[error("event `{event}`: field `{field}`: {reason}")]
    Field {
        /// The event name received.
        event: String,
        /// The field (its key in `metadata`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl DecodeError {
    /// An unknown event error for `event`.
    pub fn unknown_event(event: &str) -> Self {
        Self::UnknownEvent {
            event: event.to_owned(),
        }
    }
}

/// Decodes field `key` of `event`'s variant from `metadata`. A missing key
/// decodes as `null`, so an `Option` field is `None` and any other type
/// reports the field missing, as serde's derive does.
pub fn decode_field<T: DeserializeOwned>(
    event: &str,
    metadata: Option<&Metadata>,
    key: &'static str,
) -> Result<T, DecodeError> {
    let failed = |reason: String| DecodeError::Field {
        event: event.to_owned(),
        field: key,
        reason,
    };
    match metadata.and_then(|m| m.get(key)) {
        Some(value) => T::deserialize(value).map_err(|e| failed(e.to_string())),
        None => T::deserialize(&serde_json::Value::Null)
            .map_err(|_| failed("missing from the signal's metadata".to_owned())),
    }
}

/// Encodes one field into `metadata` under `key`.
pub fn encode_field<T: Serialize + ?Sized>(
    metadata: &mut Metadata,
    key: &'static str,
    value: &T,
) -> Result<()> {
    let value = serde_json::to_value(value).map_err(|source| Error::Malformed {
        what: "metadata field",
        source,
    })?;
    metadata.insert(key.to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: serde_json::Value) -> Metadata {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn fields_decode_like_serde_derive() {
        let m = meta(json!({"n": 3, "extra": true}));
        assert_eq!(decode_field::<u32>("e", Some(&m), "n"), Ok(3));
        assert_eq!(
            decode_field::<Option<u32>>("e", Some(&m), "absent"),
            Ok(None)
        );
        assert_eq!(decode_field::<Option<u32>>("e", None, "n"), Ok(None));
        let err = decode_field::<u32>("e", Some(&m), "absent").unwrap_err();
        assert_eq!(
            err.to_string(),
            "event `e`: field `absent`: missing from the signal's metadata"
        );
        let err = decode_field::<String>("e", Some(&m), "n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("event `e`: field `n`: invalid type"),
            "{err}"
        );
    }
}
