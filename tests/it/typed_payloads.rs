//! Payloads as users write them, checked without Redis: `#[serde(...)]`
//! field attributes on the wire, newtype variants, handlers that use `?`,
//! and handlers tested through `Dispatch::reply_to` (the path `serve` takes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use state_signals::{DecodeError, Dispatch, Error, Metadata, Reply, Signal, SignalEvents};

/// Not serde at all: it travels through `#[serde(with = "seconds")]`.
#[derive(Debug, Clone, PartialEq)]
struct Seconds(u64);

mod seconds {
    use super::Seconds;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Seconds, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}s", value.0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Seconds, D::Error> {
        let text = String::deserialize(d)?;
        text.trim_end_matches('s')
            .parse()
            .map(Seconds)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SampleData {
    iteration: u32,
    #[serde(rename = "hostName")]
    host_name: String,
}

#[derive(SignalEvents, Debug, Clone, PartialEq)]
#[signal(error = "Failed")]
enum Fio {
    Start,
    #[serde(rename_all = "camelCase")]
    Configure {
        block_size: u32,
        queue_depth: Option<u32>,
    },
    Tuned {
        #[serde(rename = "blockSize")]
        block_size: u32,
        #[serde(default)]
        retries: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(with = "seconds")]
        timeout: Seconds,
        #[serde(alias = "hostname")]
        host: String,
        #[serde(flatten)]
        extra: BTreeMap<String, Value>,
    },
    Sample(SampleData),
    Raw(Vec<u32>),
    Panics,
}

/// A handler error: its `Display` is the failure message.
#[derive(Debug)]
struct Failed(String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "collector failed: {}", self.0)
    }
}

impl From<std::num::ParseIntError> for Failed {
    fn from(e: std::num::ParseIntError) -> Self {
        Self(e.to_string())
    }
}

#[derive(Default)]
struct Collector {
    seen: Vec<Fio>,
}

impl FioHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Result<Reply, Failed> {
        self.seen.push(Fio::Start);
        Ok(Reply::success())
    }

    async fn on_configure(
        &mut self,
        block_size: u32,
        queue_depth: Option<u32>,
        _signal: &Signal,
    ) -> Result<Reply, Failed> {
        if block_size == 0 {
            return Err(Failed("block size 0".into()));
        }
        Ok(Reply::success().with_message(format!("{block_size}/{queue_depth:?}")))
    }

    async fn on_tuned(
        &mut self,
        block_size: u32,
        retries: u32,
        note: Option<String>,
        timeout: Seconds,
        host: String,
        extra: BTreeMap<String, Value>,
        _signal: &Signal,
    ) -> Result<Reply, Failed> {
        // `?` on a ParseIntError, through `From` into the handler's error.
        let level: u32 = note.as_deref().unwrap_or("0").parse()?;
        self.seen.push(Fio::Tuned {
            block_size,
            retries,
            note,
            timeout,
            host,
            extra,
        });
        Ok(Reply::success().with_message(format!("level {level}")))
    }

    async fn on_sample(&mut self, payload: SampleData, _signal: &Signal) -> Result<Reply, Failed> {
        Ok(Reply::success()
            .with_message(format!("{} from {}", payload.iteration, payload.host_name)))
    }

    async fn on_raw(&mut self, payload: Vec<u32>, _signal: &Signal) -> Result<Reply, Failed> {
        Ok(Reply::success().with_message(format!("{payload:?}")))
    }

    async fn on_panics(&mut self, _signal: &Signal) -> Result<Reply, Failed> {
        panic!("the collector fell over")
    }
}

fn metadata(value: &Fio) -> Value {
    Value::Object(value.to_metadata().unwrap().unwrap_or_default())
}

fn signal(event: &str, metadata: Value) -> Signal {
    let metadata: Metadata = metadata.as_object().cloned().unwrap_or_default();
    Signal::new(event).with_metadata(metadata)
}

fn tuned() -> Fio {
    Fio::Tuned {
        block_size: 4096,
        retries: 2,
        note: None,
        timeout: Seconds(30),
        host: "h1".into(),
        extra: BTreeMap::from([("rw".to_owned(), json!("randread"))]),
    }
}

#[test]
fn field_attributes_shape_the_wire_as_serde_would() {
    let configure = Fio::Configure {
        block_size: 4096,
        queue_depth: None,
    };
    assert_eq!(
        metadata(&configure),
        json!({"blockSize": 4096, "queueDepth": null}),
        "a variant's #[serde(rename_all)] renames its keys"
    );
    assert_eq!(
        metadata(&tuned()),
        json!({"blockSize": 4096, "retries": 2, "timeout": "30s", "host": "h1", "rw": "randread"}),
        "rename, skip_serializing_if, with (a type that is not serde) and flatten"
    );
    for value in [configure, tuned()] {
        assert_eq!(
            Fio::from_signal(&value.to_signal().unwrap()).unwrap(),
            value
        );
    }
}

#[test]
fn decoding_honours_defaults_aliases_and_renamed_keys() {
    let decoded = Fio::from_signal(&signal(
        "tuned",
        json!({"blockSize": 512, "timeout": "5s", "hostname": "h2"}),
    ))
    .unwrap();
    assert_eq!(
        decoded,
        Fio::Tuned {
            block_size: 512,
            retries: 0,
            note: None,
            timeout: Seconds(5),
            host: "h2".into(),
            extra: BTreeMap::new(),
        },
        "#[serde(default)] fills retries, the alias `hostname` is read"
    );
    // Errors name the key as it is on the wire.
    let err = Fio::from_signal(&signal("tuned", json!({"block_size": 1}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "event `tuned`: field `blockSize`: missing from the signal's metadata"
    );
    let err = Fio::from_signal(&signal(
        "tuned",
        json!({"blockSize": 1, "timeout": "soon", "host": "h"}),
    ))
    .unwrap_err();
    assert!(
        matches!(&err, DecodeError::Field { field, .. } if field == "timeout"),
        "{err}"
    );
    let err =
        Fio::from_signal(&signal("sample", json!({"iteration": 1, "hostName": 7}))).unwrap_err();
    assert!(
        matches!(&err, DecodeError::Field { field, .. } if field == "hostName"),
        "{err}"
    );
}

#[test]
fn a_newtype_payload_is_the_metadata_object() {
    let sample = Fio::Sample(SampleData {
        iteration: 3,
        host_name: "h3".into(),
    });
    assert_eq!(metadata(&sample), json!({"iteration": 3, "hostName": "h3"}));
    assert_eq!(
        Fio::from_signal(&sample.to_signal().unwrap()).unwrap(),
        sample
    );
    // A payload that is not an object cannot be metadata: a typed error.
    let err = Fio::Raw(vec![1, 2]).to_metadata().unwrap_err();
    assert!(
        matches!(
            err,
            Error::MetadataNotObject {
                found: "an array",
                ..
            }
        ),
        "{err}"
    );
    // ... and metadata (always an object) does not decode into it.
    let err = Fio::from_signal(&signal("raw", json!({"a": 1}))).unwrap_err();
    assert!(matches!(err, DecodeError::Payload { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("event `raw`: metadata: invalid type: map"),
        "{err}"
    );
}

#[tokio::test]
async fn handlers_are_tested_through_the_dispatch_serve_uses() {
    let mut collector = Collector::default();
    let reply = Fio::reply_to(&mut collector, &Fio::Start.to_signal().unwrap()).await;
    assert!(reply.is_success());
    assert_eq!(collector.seen, [Fio::Start]);

    // `?` and `Err`: a failure whose message is the error's Display.
    let zero = Fio::Configure {
        block_size: 0,
        queue_depth: Some(1),
    };
    let reply = Fio::reply_to(&mut collector, &zero.to_signal().unwrap()).await;
    assert_eq!(
        (reply.is_success(), reply.message()),
        (false, Some("collector failed: block size 0"))
    );
    let mut noted = tuned();
    if let Fio::Tuned { note, .. } = &mut noted {
        *note = Some("high".into());
    }
    let reply = Fio::reply_to(&mut collector, &noted.to_signal().unwrap()).await;
    assert_eq!(
        reply.message(),
        Some("collector failed: invalid digit found in string")
    );
    let reply = Fio::reply_to(&mut collector, &tuned().to_signal().unwrap()).await;
    assert_eq!(reply.message(), Some("level 0"));

    // A raw signal: unknown events, bad payloads and panics, as `serve` answers them.
    let reply = Fio::reply_to(&mut collector, &Signal::new("stop")).await;
    assert_eq!(
        reply.message(),
        Some("unknown event `stop`: this responder does not handle it")
    );
    let reply = Fio::reply_to(
        &mut collector,
        &signal("configure", json!({"blockSize": "x"})),
    )
    .await;
    assert!(!reply.is_success());
    assert!(
        reply
            .message()
            .unwrap()
            .starts_with("event `configure`: field `blockSize`: invalid type"),
        "{reply:?}"
    );
    let reply = Fio::reply_to(&mut collector, &Fio::Panics.to_signal().unwrap()).await;
    assert_eq!(
        (reply.is_success(), reply.message()),
        (false, Some("handler panicked: the collector fell over"))
    );
}
