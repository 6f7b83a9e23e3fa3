//! The typed layer with the real Python package: payload fields travel as
//! the Python side's `metadata` dict, in both directions.

use state_signals_test_support as common;

use common::{Python, RedisServer, within};
use serde_json::json;
use state_signals::{Reply, ResultCode, Signal, SignalEvents};

#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum Benchmark {
    Start,
    Sample {
        iteration: u32,
        host: String,
        note: Option<String>,
    },
    #[signal(rename = "benchmark-stop")]
    Stop,
}

#[derive(Default)]
struct Collector {
    samples: Vec<(u32, String, Option<String>)>,
}

impl BenchmarkHandler for Collector {
    async fn on_start(&mut self, _signal: &Signal) -> Reply {
        Reply::success()
    }

    async fn on_sample(
        &mut self,
        iteration: u32,
        host: String,
        note: Option<String>,
        _signal: &Signal,
    ) -> Reply {
        self.samples.push((iteration, host, note));
        Reply::success().with_message(format!("sample {iteration}"))
    }

    async fn on_stop(&mut self, _signal: &Signal) -> Reply {
        Reply::failure("not stopping")
    }
}

#[tokio::test]
async fn a_typed_exporter_drives_python_responders() {
    let server = RedisServer::start().await;
    let mut py = Python::spawn(
        "responder.py",
        &json!({"port": server.port(), "name": "py"}),
    );
    py.next().await.expect("ready");
    server.wait_numsub("event-signal-pubsub", 1).await;
    let exporter = within(server.exporter("typed").typed::<Benchmark>().connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1)).await.unwrap();
    let sample = Benchmark::Sample {
        iteration: 9,
        host: "h9".into(),
        note: None,
    };
    let report = within(exporter.publish(sample).sample(0)).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    within(exporter.shutdown()).await.unwrap();
    let lines = py.rest().await;
    let sample = &lines[1]["signal"];
    assert_eq!(sample["event"], "sample");
    assert_eq!(
        sample["metadata"],
        json!({"iteration": 9, "host": "h9", "note": null})
    );
    assert_eq!(sample["sample_no"], 0);
}

#[tokio::test]
async fn a_python_exporter_drives_typed_responders() {
    let server = RedisServer::start().await;
    let responder = within(
        server
            .responder()
            .responder_id("typed-rust")
            .typed::<Benchmark>()
            .connect(),
    )
    .await
    .unwrap();
    let serving = tokio::spawn(async move { responder.serve(Collector::default()).await });
    let config = json!({
        "port": server.port(), "process": "py-bench", "await": 1,
        "legal": ["start", "sample", "benchmark-stop", "pause"],
        "steps": [
            {"event": "start"},
            {"event": "sample", "metadata": {"iteration": 4, "host": "py-host", "extra": [1]}},
            {"event": "sample", "metadata": {"iteration": "four", "host": "py-host"}},
            {"event": "pause"},
            {"event": "benchmark-stop"},
        ],
    });
    let out = Python::spawn("exporter.py", &config).rest().await;
    let codes: Vec<i64> = out[1..]
        .iter()
        .map(|l| l["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [0, 0, 1, 1, 1]);
    assert_eq!(out[2]["msgs"]["typed-rust"], "sample 4");
    assert!(
        out[3]["msgs"]["typed-rust"]
            .as_str()
            .unwrap()
            .contains("field `iteration`"),
        "{out:?}"
    );
    assert!(
        out[4]["msgs"]["typed-rust"]
            .as_str()
            .unwrap()
            .contains("unknown event `pause`"),
        "{out:?}"
    );
    assert_eq!(out[5]["msgs"]["typed-rust"], "not stopping");
    let collector = within(serving).await.unwrap().unwrap();
    assert_eq!(collector.samples, [(4, "py-host".to_owned(), None)]);
}

/// Keys as a Python tool spells them: camelCase, and a payload struct reused
/// as a newtype variant.
#[derive(SignalEvents, Debug, Clone, PartialEq)]
enum Fio {
    #[serde(rename_all = "camelCase")]
    Configure {
        block_size: u32,
        queue_depth: Option<u32>,
    },
    Sample(SampleData),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct SampleData {
    iteration: u32,
    #[serde(rename = "hostName")]
    host_name: String,
}

#[derive(Default)]
struct FioCollector {
    seen: Vec<Fio>,
}

impl FioHandler for FioCollector {
    async fn on_configure(
        &mut self,
        block_size: u32,
        queue_depth: Option<u32>,
        _signal: &Signal,
    ) -> Reply {
        self.seen.push(Fio::Configure {
            block_size,
            queue_depth,
        });
        Reply::success().with_message(format!("bs {block_size}"))
    }

    async fn on_sample(&mut self, payload: SampleData, _signal: &Signal) -> Reply {
        let message = format!("sample {} from {}", payload.iteration, payload.host_name);
        self.seen.push(Fio::Sample(payload));
        Reply::success().with_message(message)
    }
}

#[tokio::test]
async fn python_responders_receive_renamed_keys_and_newtype_payloads() {
    let server = RedisServer::start().await;
    let mut py = Python::spawn(
        "responder.py",
        &json!({"port": server.port(), "name": "py"}),
    );
    py.next().await.expect("ready");
    server.wait_numsub("event-signal-pubsub", 1).await;
    let exporter = within(server.exporter("typed").typed::<Fio>().connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1)).await.unwrap();
    let configure = Fio::Configure {
        block_size: 4096,
        queue_depth: Some(8),
    };
    let sample = Fio::Sample(SampleData {
        iteration: 3,
        host_name: "h3".into(),
    });
    for event in [configure, sample] {
        let report = within(exporter.publish(event)).await.unwrap();
        assert_eq!(report.code, ResultCode::AllSucceeded);
    }
    within(exporter.shutdown()).await.unwrap();
    let lines = py.rest().await;
    assert_eq!(lines[1]["signal"]["event"], "configure");
    assert_eq!(
        lines[1]["signal"]["metadata"],
        json!({"blockSize": 4096, "queueDepth": 8})
    );
    assert_eq!(lines[2]["signal"]["event"], "sample");
    assert_eq!(
        lines[2]["signal"]["metadata"],
        json!({"iteration": 3, "hostName": "h3"})
    );
}

#[tokio::test]
async fn typed_responders_decode_a_python_exporters_camel_case_metadata() {
    let server = RedisServer::start().await;
    let responder = within(
        server
            .responder()
            .responder_id("typed-fio")
            .typed::<Fio>()
            .connect(),
    )
    .await
    .unwrap();
    let serving = tokio::spawn(async move { responder.serve(FioCollector::default()).await });
    let config = json!({
        "port": server.port(), "process": "py-fio", "await": 1,
        "legal": ["configure", "sample"],
        "steps": [
            {"event": "configure", "metadata": {"blockSize": 512, "queueDepth": 4}},
            {"event": "sample", "metadata": {"iteration": 7, "hostName": "py-host"}},
            {"event": "sample", "metadata": {"iteration": 8, "host_name": "snake"}},
        ],
    });
    let out = Python::spawn("exporter.py", &config).rest().await;
    assert_eq!(out[1]["msgs"]["typed-fio"], "bs 512");
    assert_eq!(out[2]["msgs"]["typed-fio"], "sample 7 from py-host");
    assert_eq!(
        out[3]["msgs"]["typed-fio"],
        "event `sample`: field `hostName`: missing from the signal's metadata",
        "the wire key is `hostName`, not the Rust field name"
    );
    let collector = within(serving).await.unwrap().unwrap();
    assert_eq!(
        collector.seen,
        [
            Fio::Configure {
                block_size: 512,
                queue_depth: Some(4)
            },
            Fio::Sample(SampleData {
                iteration: 7,
                host_name: "py-host".into()
            })
        ]
    );
}

#[tokio::test]
async fn a_payload_that_is_not_an_object_is_a_typed_error_at_publish() {
    #[derive(SignalEvents, Debug)]
    enum Odd {
        Numbers(Vec<u32>),
    }
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("odd").typed::<Odd>().connect())
        .await
        .unwrap();
    let err = within(exporter.publish(Odd::Numbers(vec![1])))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            state_signals::Error::MetadataNotObject {
                found: "an array",
                ..
            }
        ),
        "{err}"
    );
}
