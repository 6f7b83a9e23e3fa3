//! A variant's payload ⇄ a signal's metadata, through serde: the functions
//! the code `#[derive(SignalEvents)]` generates calls.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::DecodeError;
use crate::protocol::Metadata;
use crate::{Error, Result};

/// serde's message for a missing field: "missing field `key`".
const MISSING_FIELD: &str = "missing field `";

/// Serializes a variant's payload into metadata: an object is the metadata
/// (an empty one, like `null` from a unit variant, is none: decoding reads
/// none as `{}`), anything else is [`Error::MetadataNotObject`].
pub fn encode_payload<T: Serialize + ?Sized>(payload: &T) -> Result<Option<Metadata>> {
    let value = serde_json::to_value(payload).map_err(|source| Error::Malformed {
        what: "metadata",
        source: Box::new(source),
    })?;
    match value {
        serde_json::Value::Object(map) if map.is_empty() => Ok(None),
        serde_json::Value::Object(map) => Ok(Some(map)),
        serde_json::Value::Null => Ok(None),
        other => Err(Error::MetadataNotObject {
            found: crate::protocol::json_type(&other),
        }),
    }
}

/// Deserializes `event`'s payload from `metadata` (none decodes as `{}`, so
/// `Option` fields are `None` and `#[serde(default)]` applies). An error
/// names the field, with its path when it is nested.
pub fn decode_payload<T: DeserializeOwned>(
    event: &str,
    metadata: Option<&Metadata>,
) -> Result<T, DecodeError> {
    let empty = Metadata::new();
    let metadata = metadata.unwrap_or(&empty);
    serde_path_to_error::deserialize(metadata).map_err(|error| {
        let path = error.path().to_string();
        let reason = error.into_inner().to_string();
        let event = event.to_owned();
        if path != "." {
            return DecodeError::Field {
                event,
                field: path,
                reason,
            };
        }
        match reason
            .strip_prefix(MISSING_FIELD)
            .and_then(|rest| rest.strip_suffix('`'))
        {
            Some(field) => DecodeError::Field {
                event,
                field: field.to_owned(),
                reason: "missing from the signal's metadata".to_owned(),
            },
            None => DecodeError::Payload { event, reason },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Fields {
        n: u32,
        absent: Option<u32>,
        #[serde(default)]
        nested: Nested,
    }

    #[derive(Debug, Default, PartialEq, Deserialize, Serialize)]
    struct Nested {
        #[serde(rename = "blockSize")]
        block_size: u32,
    }

    fn meta(v: serde_json::Value) -> Metadata {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn payloads_decode_like_serde_derive() {
        let m = meta(json!({"n": 3, "extra": true}));
        let fields: Fields = decode_payload("e", Some(&m)).unwrap();
        assert_eq!((fields.n, fields.absent), (3, None));
        let err = decode_payload::<Fields>("e", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "event `e`: field `n`: missing from the signal's metadata"
        );
        let m = meta(json!({"n": "x"}));
        let err = decode_payload::<Fields>("e", Some(&m)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("event `e`: field `n`: invalid type"),
            "{err}"
        );
        let m = meta(json!({"n": 1, "nested": {"blockSize": "x"}}));
        let err = decode_payload::<Fields>("e", Some(&m)).unwrap_err();
        assert!(matches!(&err, DecodeError::Field { field, .. } if field == "nested.blockSize"));
        let err = decode_payload::<u32>("e", Some(&m)).unwrap_err();
        assert!(matches!(err, DecodeError::Payload { .. }), "{err}");
    }

    #[test]
    fn payloads_encode_as_objects_only() {
        let fields = Fields {
            n: 1,
            absent: None,
            nested: Nested { block_size: 2 },
        };
        let m = encode_payload(&fields).unwrap().unwrap();
        assert_eq!(m["nested"]["blockSize"], 2);
        assert_eq!(encode_payload(&()).unwrap(), None);
        let err = encode_payload(&[1, 2]).unwrap_err();
        assert!(
            matches!(err, Error::MetadataNotObject { found: "an array" }),
            "{err}"
        );
    }
}
