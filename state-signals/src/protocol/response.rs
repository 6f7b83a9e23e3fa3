//! Response: the payload a responder publishes; `ras` and `message` omitted when absent.

use serde::{Deserialize, Deserializer, Serialize};

use super::Ras;

/// A responder's answer to a signal, as it travels on `event-signal-response`.
///
/// `ras` and `message` are left out of the JSON when `None`. Received, the
/// three ids must be strings; `ras` may be an integer, `true`/`false` (1/0) or
/// `null`, which counts as a failed answer as in the Python exporter; unknown
/// keys are ignored.
///
/// ```
/// use state_signals::{Response, Ras};
/// let r = Response::from_json(br#"{"responder_id":"r","publisher_id":"p","event":"e","ras":true}"#).unwrap();
/// assert_eq!(r.ras, Some(Ras::SUCCESS));
/// let r = Response::from_json(br#"{"responder_id":"r","publisher_id":"p","event":"e","ras":null}"#).unwrap();
/// assert_eq!(r.ras, Some(Ras::FAILURE));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The responder's unique id.
    pub responder_id: String,
    /// The exporter being answered.
    pub publisher_id: String,
    /// The event being answered.
    pub event: String,
    /// How the responder fared; `None` for an answer that only subscribes.
    #[serde(
        default,
        deserialize_with = "ras_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub ras: Option<Ras>,
    /// Optional detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A present key holding `null` is an answer that failed; only a missing key is `None`.
fn ras_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Ras>, D::Error> {
    Ok(Some(
        Option::<Ras>::deserialize(deserializer)?.unwrap_or(Ras::FAILURE),
    ))
}

impl Response {
    /// An answer to `event` with empty ids, no ras and no message; set the
    /// rest with the `with_*` methods:
    ///
    /// ```
    /// use state_signals::{Ras, Response};
    /// let answer = Response::new("benchmark-start")
    ///     .with_responder_id("collector-1")
    ///     .with_publisher_id("fio-5b0c…")
    ///     .with_ras(Ras::SUCCESS)
    ///     .with_message("done");
    /// assert_eq!(answer.ras, Some(Ras::SUCCESS));
    /// ```
    pub fn new(event: impl Into<String>) -> Self {
        Self {
            responder_id: String::new(),
            publisher_id: String::new(),
            event: event.into(),
            ras: None,
            message: None,
        }
    }

    /// Sets [`responder_id`](Self::responder_id).
    #[must_use]
    pub fn with_responder_id(mut self, responder_id: impl Into<String>) -> Self {
        self.responder_id = responder_id.into();
        self
    }

    /// Sets [`publisher_id`](Self::publisher_id).
    #[must_use]
    pub fn with_publisher_id(mut self, publisher_id: impl Into<String>) -> Self {
        self.publisher_id = publisher_id.into();
        self
    }

    /// Sets [`ras`](Self::ras).
    #[must_use]
    pub fn with_ras(mut self, ras: Ras) -> Self {
        self.ras = Some(ras);
        self
    }

    /// Sets [`message`](Self::message).
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Parses a received payload (no size cap; the listeners apply theirs).
    pub fn from_json(bytes: &[u8]) -> crate::Result<Self> {
        super::parse("response", bytes)
    }

    /// The payload to publish.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn ras_and_message_are_omitted_when_absent() {
        let r = Response::new("e")
            .with_responder_id("r")
            .with_publisher_id("p");
        let v: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 3);
        let r = Response::new("e")
            .with_responder_id("r")
            .with_publisher_id("p")
            .with_ras(Ras::new(7))
            .with_message("m");
        let v: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(
            (v["ras"].as_i64(), v["message"].as_str()),
            (Some(7), Some("m"))
        );
    }

    #[test]
    fn receiving_counts_ras_like_python() {
        let parse = |ras: &str| {
            Response::from_json(
                format!(r#"{{"responder_id":"r","publisher_id":"p","event":"e"{ras}}}"#).as_bytes(),
            )
        };
        assert_eq!(parse("").unwrap().ras, None);
        assert_eq!(parse(r#","ras":1"#).unwrap().ras, Some(Ras::SUCCESS));
        assert_eq!(parse(r#","ras":false"#).unwrap().ras, Some(Ras::FAILURE));
        assert_eq!(parse(r#","ras":null"#).unwrap().ras, Some(Ras::FAILURE));
        assert_eq!(parse(r#","ras":-3"#).unwrap().ras, Some(Ras::new(-3)));
        assert_eq!(parse(r#","ras":1.0"#).unwrap().ras, Some(Ras::SUCCESS));
        assert!(parse(r#","ras":"1""#).is_err());
        assert!(parse(r#","extra":{"a":1}"#).is_ok());
    }

    #[test]
    fn receiving_requires_the_three_ids() {
        for payload in [
            &br#"{"publisher_id":"p","event":"e","ras":1}"#[..],
            br#"{"responder_id":"r","event":"e"}"#,
            br#"{"responder_id":"r","publisher_id":"p"}"#,
            br#"{"responder_id":5,"publisher_id":"p","event":"e"}"#,
            b"1",
            b"[]",
            b"not json",
        ] {
            assert!(Response::from_json(payload).is_err());
        }
    }
}
