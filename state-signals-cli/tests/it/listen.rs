//! `state-signals listen` in both formats.

use crate::support as cli_support;

use cli_support::common::{RedisServer, next_json, within};
use cli_support::{cli, wait};
use serde_json::json;

#[tokio::test]
async fn listen_prints_signals_and_responses() {
    let server = RedisServer::start().await;
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
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let publish = exporter
        .publish_signal("go")
        .sample(0)
        .tag("t")
        .metadata_value(json!({"k": [1]}))
        .timeout(std::time::Duration::from_millis(300));
    // Answer once the signal is on the wire: the listener sees it first.
    let answer = async {
        while next_json(&mut wire).await["event"] != "go" {}
        responder
            .handle()
            .respond(
                exporter.publisher_id(),
                "go",
                state_signals::Reply::failure("nope"),
            )
            .await
    };
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

#[tokio::test]
async fn text_output_escapes_control_characters() {
    let server = RedisServer::start().await;
    let listener = cli(&server, &["listen", "--format", "text", "--count", "1"])
        .spawn()
        .unwrap();
    server.wait_numsub("event-signal-pubsub", 1).await;
    let hostile = json!({
        "publisher_id": "p\u{1b}[2J", "process_name": "x", "event": "go\nFAKE line",
        "runner_host": "h", "tag": "t\r"
    });
    server
        .publish_raw("event-signal-pubsub", hostile.to_string())
        .await;
    let out = wait(listener).await;
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1, "one line: {:?}", out.stdout);
    assert!(
        out.stdout.contains(r#"go\nFAKE line from p\u{1b}[2J"#)
            && out.stdout.contains(r#"tag "t\r""#),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{1b}'));
}
