//! `state-signals listen` in both formats.

mod cli_support;

use cli_support::common::{within, RedisServer};
use cli_support::{cli, wait};
use serde_json::json;

#[tokio::test]
async fn listen_prints_signals_and_responses() {
    let server = RedisServer::start();
    let json_listener = cli(&server, &["listen", "--responses", "--count", "3"])
        .spawn()
        .unwrap();
    let text_listener = cli(&server, &["listen", "--format", "text", "--count", "2"])
        .spawn()
        .unwrap();
    server.wait_numsub("event-signal-pubsub", 2).await;
    server.wait_numsub("event-signal-response", 1).await;
    let exporter = within(server.exporter("bench").runner_host("h").connect())
        .await
        .unwrap();
    within(exporter.initialize(["go"]).expected_responders(["r"]))
        .await
        .unwrap();
    let responder = within(server.responder().responder_id("r").connect())
        .await
        .unwrap();
    let publish = exporter
        .publish_signal("go")
        .sample(0)
        .tag("t")
        .metadata_value(json!({"k": [1]}))
        .timeout(std::time::Duration::from_millis(300));
    let answer = responder.handle().respond(
        exporter.publisher_id(),
        "go",
        state_signals::Reply::failure("nope"),
    );
    let (report, answered) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), answer) }).await;
    answered.unwrap();
    let _ = report.unwrap();

    let out = wait(json_listener).await;
    assert_eq!(out.code(), 0, "{out:?}");
    let pid = exporter.publisher_id();
    assert_eq!(out.lines[0]["signal"]["event"], "initialization");
    assert_eq!(
        out.lines[1],
        json!({"signal": {"publisher_id": pid, "process_name": "bench", "event": "go", "runner_host": "h",
                          "sample_no": 0, "tag": "t", "metadata": {"k": [1]}}})
    );
    assert_eq!(
        out.lines[2],
        json!({"response": {"responder_id": "r", "publisher_id": pid, "event": "go", "ras": 0, "message": "nope"}})
    );

    let out = wait(text_listener).await;
    assert_eq!(out.code(), 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].ends_with(&format!("signal   initialization from {pid} (process bench, host h, sample -1, tag \"No tag specified\")")), "{}", lines[0]);
    assert!(
        lines[1].ends_with(&format!(r#"signal   go from {pid} (process bench, host h, sample 0, tag "t") metadata {{"k":[1]}}"#)),
        "{}",
        lines[1]
    );
}
