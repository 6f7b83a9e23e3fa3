//! Interop with the real Python package `state-signals==1.0.1` (from PyPI, in
//! a venv the harness creates), in both directions.

use state_signals_test_support as common;

use std::time::Duration;

use common::{Python, RedisServer, within};
use serde_json::{Value, json};
use state_signals::{Handler, Ras, Reply, ResultCode, Signal};
use tokio::sync::mpsc;

/// Records every signal it sees, answers with `reply`.
struct Recording<F> {
    reply: F,
    seen: mpsc::UnboundedSender<Signal>,
}

impl<F: Fn(&Signal) -> Reply + Send> Handler for Recording<F> {
    async fn on_signal(&mut self, signal: &Signal) -> Reply {
        let _ = self.seen.send(signal.clone());
        (self.reply)(signal)
    }

    async fn on_subscribe(&mut self, signal: &Signal) -> bool {
        let _ = self.seen.send(signal.clone());
        true
    }

    async fn on_shutdown(&mut self, signal: &Signal) {
        let _ = self.seen.send(signal.clone());
    }
}

/// A Rust responder with a fixed id: records every signal and answers with
/// `reply`, until its exporter shuts down.
async fn rust_responder(
    server: &RedisServer,
    id: &str,
    reply: impl Fn(&Signal) -> Reply + Send + 'static,
) -> mpsc::UnboundedReceiver<Signal> {
    let responder = within(server.responder().responder_id(id).connect())
        .await
        .unwrap();
    let (seen, rx) = mpsc::unbounded_channel();
    tokio::spawn(responder.serve(Recording { reply, seen }));
    rx
}

#[tokio::test]
async fn a_python_exporter_drives_rust_responders() {
    let server = RedisServer::start().await;
    let mut ok = rust_responder(&server, "rust-ok", |_| {
        Reply::success().with_message("fine")
    })
    .await;
    let mut picky = rust_responder(&server, "rust-picky", |s| {
        if s.event == "stop" {
            Reply::failure("broken")
        } else {
            Reply::success()
        }
    })
    .await;
    let metadata = json!({"iteration": 2, "hosts": ["a", "b"], "nested": {"x": null}});
    let config = json!({
        "port": server.port(), "process": "py-bench", "await": 2, "legal": ["start", "stop"],
        "steps": [
            {"event": "start", "sample": 4, "tag": "run-1", "metadata": metadata},
            {"event": "stop", "sample": 0},
        ],
    });
    let out = Python::spawn("exporter.py", &config).rest().await;
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0]["init"], 0);
    assert_eq!(out[0]["subs"], json!(["rust-ok", "rust-picky"]));
    assert_eq!(
        out[1],
        json!({"event": "start", "code": 0, "msgs": {"rust-ok": "fine"}})
    );
    assert_eq!(
        out[2],
        json!({"event": "stop", "code": 1, "msgs": {"rust-ok": "fine", "rust-picky": "broken"}})
    );

    let pid = out[0]["publisher_id"].as_str().unwrap();
    for rx in [&mut ok, &mut picky] {
        let mut seen = Vec::new();
        while let Some(signal) = within(rx.recv()).await {
            let done = signal.is_shutdown();
            seen.push(signal);
            if done {
                break;
            }
        }
        let events: Vec<&str> = seen.iter().map(|s| s.event.as_str()).collect();
        assert_eq!(events, ["initialization", "start", "stop", "shutdown"]);
        assert!(
            seen.iter()
                .all(|s| s.publisher_id == pid && s.process_name == "py-bench")
        );
        assert_eq!(
            seen[1].metadata.as_ref().map(|m| Value::Object(m.clone())),
            Some(metadata.clone())
        );
        assert_eq!((seen[1].sample_no, seen[1].tag.as_str()), (4, "run-1"));
        // Python's known flaw: sample 0 is sent as -1.
        assert_eq!(seen[2].sample_no, -1);
        assert_eq!(seen[2].metadata, None);
    }
}

#[tokio::test]
async fn a_rust_exporter_drives_python_responders_with_locks() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("rust-bench").connect())
        .await
        .unwrap();
    let pid = exporter.publisher_id().to_owned();
    let port = server.port();
    let mut plain = Python::spawn("responder.py", &json!({"port": port, "name": "py-plain"}));
    let mut tagged = Python::spawn(
        "responder.py",
        &json!({"port": port, "name": "py-tagged", "lock_tag": "run-1",
                "ras": {"stop": 0}, "message": {"stop": "disk full"}}),
    );
    let mut mine = Python::spawn(
        "responder.py",
        &json!({"port": port, "name": "py-mine", "lock_id": pid}),
    );
    let mut other = Python::spawn(
        "responder.py",
        &json!({"port": port, "name": "py-other", "lock_id": "someone-else"}),
    );
    let mut ids = Vec::new();
    for p in [&mut plain, &mut tagged, &mut mine, &mut other] {
        ids.push(
            p.next().await.expect("ready line")["ready"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    server.wait_numsub("event-signal-pubsub", 4).await;

    within(
        exporter
            .initialize_and_wait(3, ["start", "stop"])
            .tag("run-1"),
    )
    .await
    .unwrap();
    let mut expected_subs = ids[..3].to_vec();
    expected_subs.sort();
    assert_eq!(
        exporter.subscribers(),
        expected_subs,
        "py-other is locked to another exporter"
    );

    let metadata = json!({"iteration": 1, "hosts": ["a"]});
    let report = within(
        exporter
            .publish_signal("start")
            .sample(0)
            .tag("run-1")
            .metadata_value(metadata.clone()),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert_eq!(report.answers.len(), 3);

    let report = within(exporter.publish_signal("stop").tag("run-1"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    assert_eq!(
        report.failed().collect::<Vec<_>>(),
        [(ids[1].as_str(), Ras::FAILURE)]
    );
    assert_eq!(
        report.messages().collect::<Vec<_>>(),
        [(ids[1].as_str(), "disk full")]
    );

    // Untagged: the tag-locked responder does not see it and is missing.
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(800)),
    )
    .await
    .unwrap();
    assert_eq!(report.missing.iter().collect::<Vec<_>>(), [&ids[1]]);

    within(exporter.shutdown().tag("run-1")).await.unwrap();
    for (p, n) in [(plain, 5), (tagged, 4), (mine, 5)] {
        let lines = p.rest().await;
        let signals: Vec<&Value> = lines.iter().map(|l| &l["signal"]).collect();
        assert_eq!(signals.len(), n, "{lines:?}");
        assert_eq!(signals[0]["event"], "initialization");
        assert_eq!(signals[1]["event"], "start");
        assert_eq!(signals[1]["sample_no"], 0, "Rust sends sample 0 as 0");
        assert_eq!(signals[1]["metadata"], metadata);
        assert_eq!(signals[n - 1]["event"], "shutdown");
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(200), other.next())
            .await
            .is_err(),
        "the responder locked to another exporter saw nothing"
    );
}
