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
#[serde(from = "Received")]
#[non_exhaustive]
pub struct Response {
    /// The responder's unique id.
    pub responder_id: String,
    /// The exporter being answered.
    pub publisher_id: String,
    /// The event being answered.
    pub event: String,
    /// How the responder fared; `None` for an answer that only subscribes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ras: Option<Ras>,
    /// Optional detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extension: the `sample_no` of the signal answered. Sent by this
    /// crate's responders when they answer a signal they received (never by
    /// the Python package, whose exporter ignores the key); a Rust exporter
    /// ignores an answer whose `sample_no` or `tag` is not the publish's in
    /// flight (a late answer to an earlier signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_no: Option<i64>,
    /// Extension: the `tag` of the signal answered (see [`sample_no`](Self::sample_no)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Extension: the W3C `traceparent` of the responder's handler span,
    /// sent by this crate's responders (with the `trace-context` feature)
    /// when the signal answered carried a trace context; the exporter links
    /// its publish span to it. The Python exporter ignores the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// A response as received: `ras` still raw, so that an invalid one is a
/// failed answer with a reason instead of a skipped payload.
#[derive(Deserialize)]
struct Received {
    responder_id: String,
    publisher_id: String,
    event: String,
    #[serde(default, deserialize_with = "present")]
    ras: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    sample_no: Option<i64>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    traceparent: Option<serde_json::Value>,
}

/// A present key is `Some`, even when it holds `null`.
fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

impl From<Received> for Response {
    fn from(r: Received) -> Self {
        let (ras, message) = match r.ras {
            None => (None, r.message),
            // A present `null` is an answer that failed, as in the Python exporter.
            Some(serde_json::Value::Null) => (Some(Ras::FAILURE), r.message),
            Some(raw) => match Ras::deserialize(&raw) {
                Ok(ras) => (Some(ras), r.message),
                Err(_) => {
                    let why = format!(
                        "invalid ras {raw} (not an integer, a boolean or null): counted as failed"
                    );
                    let message = match r.message {
                        Some(m) => format!("{why}; message: {m}"),
                        None => why,
                    };
                    (Some(Ras::FAILURE), Some(message))
                }
            },
        };
        Self {
            responder_id: r.responder_id,
            publisher_id: r.publisher_id,
            event: r.event,
            ras,
            message,
            sample_no: r.sample_no,
            tag: r.tag,
            // A peer's value is kept only when it has the W3C shape.
            traceparent: r
                .traceparent
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|v| super::is_traceparent(v)),
        }
    }
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
            sample_no: None,
            tag: None,
            traceparent: None,
        }
    }

    /// Sets [`sample_no`](Self::sample_no) and [`tag`](Self::tag) from the
    /// signal answered.
    #[must_use]
    pub fn answering(mut self, signal: &crate::Signal) -> Self {
        self.sample_no = Some(signal.sample_no);
        self.tag = Some(signal.tag.clone());
        self
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
        // Present but invalid: a failed answer that says why.
        let invalid = parse(r#","ras":"1","message":"m""#).unwrap();
        assert_eq!(invalid.ras, Some(Ras::FAILURE));
        assert_eq!(
            invalid.message.as_deref(),
            Some(
                r#"invalid ras "1" (not an integer, a boolean or null): counted as failed; message: m"#
            )
        );
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
