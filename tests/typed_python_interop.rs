//! The typed layer with the real Python package: payload fields travel as
//! the Python side's `metadata` dict, in both directions.

mod common;

use common::{within, Python, RedisServer};
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
