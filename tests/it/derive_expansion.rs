//! What `#[derive(SignalEvents)]` generates, checked without Redis: names,
//! renames, case rules, name <-> variant and payload round trips, hygiene.

use serde::{Deserialize, Serialize};
use serde_json::json;
use state_signals::{DecodeError, Metadata, Reply, Signal, SignalEvents};

#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum Benchmark {
    Start,
    #[signal(rename = "benchmark-stop")]
    Stop,
    Sample {
        iteration: u32,
        host: String,
    },
    HTTPStart,
    Sample2,
    #[signal(rename = "pbench.tool.start")]
    ToolStart,
    Tagged {
        r#type: String,
        note: Option<String>,
        handler: Vec<u8>,
    },
    Empty {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Point {
    x: i32,
    y: i32,
}

#[derive(SignalEvents, Debug, Clone, PartialEq)]
#[signal(rename_all = "snake_case", handler = "ShoutyHandler")]
pub(crate) enum Snake {
    HTTPStart,
    BenchmarkStop { at: Point },
}

#[derive(SignalEvents, Debug, PartialEq)]
#[signal(rename_all = "SCREAMING-KEBAB-CASE")]
enum Screaming {
    HttpStart,
    Sample2Done,
}

#[derive(SignalEvents, Debug, PartialEq)]
#[signal(rename_all = "camelCase")]
enum Camel {
    HTTPStart,
    BenchmarkStop,
}

#[derive(SignalEvents, Debug, PartialEq)]
#[signal(rename_all = "lowercase")]
enum Lower {
    HTTPStart,
    Sample2,
}

fn signal_of<E: SignalEvents>(value: &E) -> Signal {
    let mut signal = Signal::new(value.event_name())
        .with_publisher_id("p-1")
        .with_process_name("p")
        .with_runner_host("h");
    signal.metadata = value.to_metadata().unwrap();
    signal
}

#[test]
fn wire_names_follow_renames_and_case_rules() {
    assert_eq!(
        Benchmark::EVENTS,
        [
            "start",
            "benchmark-stop",
            "sample",
            "http-start",
            "sample2",
            "pbench.tool.start",
            "tagged",
            "empty"
        ]
    );
    assert_eq!(Snake::EVENTS, ["http_start", "benchmark_stop"]);
    assert_eq!(Screaming::EVENTS, ["HTTP-START", "SAMPLE2-DONE"]);
    assert_eq!(Camel::EVENTS, ["httpStart", "benchmarkStop"]);
    assert_eq!(Lower::EVENTS, ["httpstart", "sample2"]);
}

#[test]
fn names_and_variants_round_trip() {
    let values = [
        Benchmark::Start,
        Benchmark::Stop,
        Benchmark::Sample {
            iteration: 7,
            host: "a".into(),
        },
        Benchmark::HTTPStart,
        Benchmark::Sample2,
        Benchmark::ToolStart,
        Benchmark::Tagged {
            r#type: "t".into(),
            note: Some("n".into()),
            handler: vec![1, 2],
        },
        Benchmark::Empty {},
    ];
    for (index, value) in values.iter().enumerate() {
        assert_eq!(Benchmark::EVENTS[index], value.event_name());
        assert_eq!(Benchmark::event_index(value.event_name()), Some(index));
        assert_eq!(&Benchmark::from_signal(&signal_of(value)).unwrap(), value);
    }
    assert_eq!(Benchmark::event_index("nope"), None);
    assert_eq!(
        Benchmark::from_event_name("benchmark-stop").unwrap(),
        Benchmark::Stop
    );
    assert_eq!(
        Benchmark::from_event_name("pbench.tool.start").unwrap(),
        Benchmark::ToolStart
    );
    assert!(matches!(
        Benchmark::from_event_name("sample"),
        Err(DecodeError::Field { field, .. }) if field == "iteration"
    ));
    assert!(matches!(
        Benchmark::from_event_name("nope"),
        Err(DecodeError::UnknownEvent { .. })
    ));
    let snake = Snake::BenchmarkStop {
        at: Point { x: 1, y: -2 },
    };
    assert_eq!(Snake::from_signal(&signal_of(&snake)).unwrap(), snake);
}

#[test]
fn payloads_encode_as_metadata_objects() {
    assert_eq!(Benchmark::Start.to_metadata().unwrap(), None);
    assert_eq!(Benchmark::Empty {}.to_metadata().unwrap(), None);
    let sample = Benchmark::Sample {
        iteration: 3,
        host: "h1".into(),
    };
    assert_eq!(
        serde_json::Value::Object(sample.to_metadata().unwrap().unwrap()),
        json!({"iteration": 3, "host": "h1"})
    );
    let tagged = Benchmark::Tagged {
        r#type: "x".into(),
        note: None,
        handler: vec![],
    };
    assert_eq!(
        serde_json::Value::Object(tagged.to_metadata().unwrap().unwrap()),
        json!({"type": "x", "note": null, "handler": []}),
        "r#type travels as \"type\""
    );
}

#[test]
fn decoding_is_like_serde_derive_and_names_the_failing_field() {
    let with = |event: &str, metadata: serde_json::Value| {
        let mut s = Signal::new(event)
            .with_publisher_id("p-1")
            .with_process_name("p")
            .with_runner_host("h");
        s.metadata = metadata.as_object().cloned();
        s
    };
    // Extra keys ignored; a missing Option is None.
    let decoded = Benchmark::from_signal(&with(
        "tagged",
        json!({"type": "a", "handler": [9], "more": 1}),
    ))
    .unwrap();
    assert_eq!(
        decoded,
        Benchmark::Tagged {
            r#type: "a".into(),
            note: None,
            handler: vec![9]
        }
    );
    // A unit variant ignores metadata.
    assert_eq!(
        Benchmark::from_signal(&with("start", json!({"x": 1}))).unwrap(),
        Benchmark::Start
    );
    // Missing and wrongly typed fields name the field.
    let err = Benchmark::from_signal(&with("sample", json!({"host": "h"}))).unwrap_err();
    assert!(
        matches!(&err, DecodeError::Field { field, .. } if field == "iteration"),
        "{err}"
    );
    let err = Benchmark::from_signal(&with("sample", json!({"iteration": "three", "host": "h"})))
        .unwrap_err();
    assert!(err.to_string().contains("field `iteration`"), "{err}");
    let err = Benchmark::from_signal(&with("sample", json!(null))).unwrap_err();
    assert!(err.to_string().contains("field `iteration`"), "{err}");
    // Unknown events.
    let err = Benchmark::from_signal(&with("benchmark-pause", json!({}))).unwrap_err();
    assert_eq!(err, DecodeError::unknown_event("benchmark-pause"));
}

// A handler implemented with `async fn`, compiled under `-D warnings`.
struct Collector {
    seen: Vec<String>,
}

impl ShoutyHandler for Collector {
    async fn on_http_start(&mut self, signal: &Signal) -> Reply {
        self.seen.push(signal.event.clone());
        Reply::success()
    }

    async fn on_benchmark_stop(&mut self, at: Point, _signal: &Signal) -> Reply {
        Reply::failure(format!("stopped at {},{}", at.x, at.y))
    }
}

#[tokio::test]
async fn dispatch_calls_the_variant_method_and_the_hooks() {
    use state_signals::Dispatch;
    let mut collector = Collector { seen: vec![] };
    let signal = Signal::new("http_start")
        .with_publisher_id("p-1")
        .with_process_name("p")
        .with_runner_host("h");
    let reply = Snake::HTTPStart.dispatch(&mut collector, &signal).await;
    assert!(reply.is_success());
    let reply = Snake::BenchmarkStop {
        at: Point { x: 4, y: 5 },
    }
    .dispatch(&mut collector, &signal)
    .await;
    assert_eq!(reply.message(), Some("stopped at 4,5"));
    assert_eq!(collector.seen, ["http_start"]);
    assert!(<Snake as Dispatch<Collector>>::subscribe(&mut collector, &signal).await);
    let unknown = Signal::new("nope")
        .with_publisher_id("p-1")
        .with_process_name("p")
        .with_runner_host("h");
    let reply = <Snake as Dispatch<Collector>>::unknown_event(&mut collector, &unknown).await;
    assert!(!reply.is_success());
    assert!(reply.message().unwrap().contains("`nope`"));
}

mod hygiene {
    // Generated code must not pick up a user's `core` or `state_signals`.
    #[allow(dead_code)]
    mod core {}
    #[allow(dead_code)]
    mod state_signals {}
    #[allow(dead_code)]
    mod serde_json {}
    #[allow(dead_code)]
    struct Result;
    #[allow(dead_code)]
    struct Option;
    #[allow(dead_code)]
    struct Ok;

    #[derive(::state_signals::SignalEvents)]
    pub enum Hygienic {
        Start,
        Sample { value: u32 },
    }

    #[test]
    fn generated_code_uses_absolute_paths() {
        use ::state_signals::SignalEvents as _;
        assert_eq!(Hygienic::EVENTS, ["start", "sample"]);
        let _: fn(&Hygienic) -> &'static str = Hygienic::event_name;
    }
}

#[allow(dead_code)]
fn metadata_type_is_a_json_map(m: Metadata) -> serde_json::Map<String, serde_json::Value> {
    m
}
