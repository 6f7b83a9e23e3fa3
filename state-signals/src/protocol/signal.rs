//! Signal: the payload an exporter publishes, with the exact key set.

use serde::{Deserialize, Serialize};

use super::traceparent::{TRACEPARENT, is_traceparent};

/// A JSON object: the type of [`Signal::metadata`].
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// The reserved event published by [`SignalExporter::initialize`](crate::SignalExporter::initialize).
pub(crate) const INITIALIZATION: &str = "initialization";
/// The reserved event published by [`SignalExporter::shutdown`](crate::SignalExporter::shutdown).
pub(crate) const SHUTDOWN: &str = "shutdown";
/// The reserved events, each with the exporter method that alone publishes it.
const RESERVED: [(&str, &str); 2] = [(INITIALIZATION, "initialize"), (SHUTDOWN, "shutdown")];

/// The exporter method that publishes `event`, if `event` is reserved.
pub(crate) fn reserved_by(event: &str) -> Option<&'static str> {
    RESERVED
        .iter()
        .find(|(name, _)| *name == event)
        .map(|(_, method)| *method)
}

/// The `sample_no` of a signal that names no sample.
pub(crate) const DEFAULT_SAMPLE_NO: i64 = -1;
/// The `tag` of a signal that names no tag.
pub(crate) const DEFAULT_TAG: &str = "No tag specified";

/// A state/event signal, as it travels on `event-signal-pubsub`.
///
/// Serialized, it holds exactly the keys `publisher_id`, `process_name`,
/// `event`, `runner_host`, `sample_no`, `tag`, and `metadata` only when there
/// is metadata: the key sets the Python responder accepts.
///
/// Received, it is lenient where that is harmless: a missing `sample_no` or
/// `tag` takes its default, unknown keys are ignored, and `"metadata": null`
/// reads as no metadata. It is strict where it matters: the four ids are
/// strings, `sample_no` an integer, `tag` a string, `metadata` an object.
///
/// ```
/// use state_signals::Signal;
/// let signal = Signal::from_json(br#"{"publisher_id":"p-1","process_name":"p",
///     "event":"start","runner_host":"h","sample_no":0}"#).unwrap();
/// assert_eq!(signal.sample_no, 0);
/// assert_eq!(signal.tag, "No tag specified");
/// assert!(Signal::from_json(br#"{"publisher_id":"p-1","process_name":"p",
///     "event":"start","runner_host":"h","sample_no":"zero"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Signal {
    /// The exporter's unique id: `<process_name>-<uuid4>`.
    pub publisher_id: String,
    /// The process whose state this signal describes.
    pub process_name: String,
    /// The state/event name.
    pub event: String,
    /// The host the process runs on.
    pub runner_host: String,
    /// The sample number; [`Signal::DEFAULT_SAMPLE_NO`] (`-1`) when none.
    #[serde(default = "default_sample_no")]
    pub sample_no: i64,
    /// A free-form tag; [`Signal::DEFAULT_TAG`] when none.
    #[serde(default = "default_tag")]
    pub tag: String,
    /// Extra data, a JSON object; the key is left out when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

fn default_sample_no() -> i64 {
    DEFAULT_SAMPLE_NO
}

fn default_tag() -> String {
    DEFAULT_TAG.to_owned()
}

impl Signal {
    /// The reserved event published by
    /// [`SignalExporter::initialize`](crate::SignalExporter::initialize):
    /// `"initialization"`.
    pub const INITIALIZATION: &'static str = INITIALIZATION;
    /// The reserved event published by
    /// [`SignalExporter::shutdown`](crate::SignalExporter::shutdown): `"shutdown"`.
    pub const SHUTDOWN: &'static str = SHUTDOWN;
    /// The `sample_no` of a signal that names no sample: `-1`.
    pub const DEFAULT_SAMPLE_NO: i64 = DEFAULT_SAMPLE_NO;
    /// The `tag` of a signal that names no tag: `"No tag specified"`.
    pub const DEFAULT_TAG: &'static str = DEFAULT_TAG;

    /// A signal for `event` with empty ids, the default sample number and
    /// tag, and no metadata; set the rest with the `with_*` methods:
    ///
    /// ```
    /// use state_signals::Signal;
    /// let signal = Signal::new("benchmark-start")
    ///     .with_publisher_id("fio-5b0c…")
    ///     .with_process_name("fio")
    ///     .with_runner_host("node-3")
    ///     .with_sample_no(0)
    ///     .with_tag("run-42");
    /// assert_eq!(signal.sample_no, 0);
    /// ```
    pub fn new(event: impl Into<String>) -> Self {
        Self {
            publisher_id: String::new(),
            process_name: String::new(),
            event: event.into(),
            runner_host: String::new(),
            sample_no: DEFAULT_SAMPLE_NO,
            tag: default_tag(),
            metadata: None,
        }
    }

    /// Sets [`publisher_id`](Self::publisher_id).
    #[must_use]
    pub fn with_publisher_id(mut self, publisher_id: impl Into<String>) -> Self {
        self.publisher_id = publisher_id.into();
        self
    }

    /// Sets [`process_name`](Self::process_name).
    #[must_use]
    pub fn with_process_name(mut self, process_name: impl Into<String>) -> Self {
        self.process_name = process_name.into();
        self
    }

    /// Sets [`runner_host`](Self::runner_host).
    #[must_use]
    pub fn with_runner_host(mut self, runner_host: impl Into<String>) -> Self {
        self.runner_host = runner_host.into();
        self
    }

    /// Sets [`sample_no`](Self::sample_no).
    #[must_use]
    pub fn with_sample_no(mut self, sample_no: i64) -> Self {
        self.sample_no = sample_no;
        self
    }

    /// Sets [`tag`](Self::tag).
    #[must_use]
    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = tag.into();
        self
    }

    /// Sets [`metadata`](Self::metadata).
    #[must_use]
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Parses a received payload (no size cap; the listeners apply theirs).
    pub fn from_json(bytes: &[u8]) -> crate::Result<Self> {
        super::parse("signal", bytes)
    }

    /// The payload to publish.
    pub fn to_json(&self) -> String {
        // A struct of strings, integers and a JSON map always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The W3C `traceparent` in this signal's metadata, when it has the W3C
    /// shape: the trace context of the exporter's publish span, sent by an
    /// exporter with [`trace_context`](crate::SignalExporterBuilder)
    /// on. Open your handling span as its child (the serve loop does, with
    /// the `trace-context` feature), or hand it to a script as `TRACEPARENT`.
    ///
    /// ```
    /// use state_signals::{Metadata, Signal};
    /// let mut metadata = Metadata::new();
    /// metadata.insert("traceparent".into(),
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
    /// let signal = Signal::new("benchmark-start").with_metadata(metadata);
    /// assert_eq!(signal.traceparent(), Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    /// assert_eq!(Signal::new("benchmark-start").traceparent(), None);
    /// ```
    pub fn traceparent(&self) -> Option<&str> {
        let value = self.metadata.as_ref()?.get(TRACEPARENT)?.as_str()?;
        is_traceparent(value).then_some(value)
    }

    /// Whether this is an `initialization` signal.
    pub fn is_initialization(&self) -> bool {
        self.event == INITIALIZATION
    }

    /// Whether this is a `shutdown` signal.
    pub fn is_shutdown(&self) -> bool {
        self.event == SHUTDOWN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn keys(signal: &Signal) -> Vec<String> {
        let value: Value = serde_json::from_str(&signal.to_json()).unwrap();
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn serializes_exactly_the_python_key_sets() {
        let mut signal = Signal::new("start")
            .with_publisher_id("p-1")
            .with_process_name("p")
            .with_runner_host("h");
        assert_eq!(
            keys(&signal),
            [
                "event",
                "process_name",
                "publisher_id",
                "runner_host",
                "sample_no",
                "tag"
            ]
        );
        signal.metadata = Some(Metadata::new());
        assert_eq!(keys(&signal).len(), 7);
        assert!(keys(&signal).contains(&"metadata".to_owned()));
    }

    #[test]
    fn sample_zero_travels_as_zero() {
        let mut signal = Signal::new("start")
            .with_publisher_id("p-1")
            .with_process_name("p")
            .with_runner_host("h");
        signal.sample_no = 0;
        let value: Value = serde_json::from_str(&signal.to_json()).unwrap();
        assert_eq!(value["sample_no"], json!(0));
    }

    #[test]
    fn receiving_fills_defaults_and_ignores_unknown_keys() {
        let s = Signal::from_json(
            br#"{"publisher_id":"p-1","process_name":"p","event":"e","runner_host":"h","extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            (s.sample_no, s.tag.as_str(), s.metadata),
            (-1, DEFAULT_TAG, None)
        );
        let s = Signal::from_json(
            br#"{"publisher_id":"p-1","process_name":"p","event":"e","runner_host":"h","metadata":null}"#,
        )
        .unwrap();
        assert_eq!(s.metadata, None);
    }

    #[test]
    fn receiving_is_strict_on_types_and_required_keys() {
        let base = json!({"publisher_id":"p-1","process_name":"p","event":"e","runner_host":"h"});
        let bad = [
            ("sample_no", json!("zero")),
            ("sample_no", json!(1.5)),
            ("sample_no", json!(true)),
            ("tag", json!(3)),
            ("metadata", json!([1, 2])),
            ("metadata", json!("x")),
            ("event", json!(null)),
            ("publisher_id", json!(7)),
        ];
        for (key, value) in bad {
            let mut payload = base.clone();
            payload[key] = value.clone();
            let text = payload.to_string();
            assert!(
                Signal::from_json(text.as_bytes()).is_err(),
                "accepted {key} = {value}"
            );
        }
        for key in ["publisher_id", "process_name", "event", "runner_host"] {
            let mut payload = base.clone();
            payload.as_object_mut().unwrap().remove(key);
            assert!(
                Signal::from_json(payload.to_string().as_bytes()).is_err(),
                "accepted without {key}"
            );
        }
        for payload in [&b"1"[..], b"[]", b"\"s\"", b"null", b"{", b"\xff\xfe", b""] {
            assert!(Signal::from_json(payload).is_err());
        }
    }
}
