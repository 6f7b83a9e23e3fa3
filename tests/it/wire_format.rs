//! What goes on the wire, read back with a plain Redis subscriber, and what a
//! responder accepts from it.

use state_signals_test_support as common;

use common::{RedisServer, keys, next_json, within};
use futures_util::StreamExt;
use serde_json::json;
use state_signals::{Ras, Reply};

#[tokio::test]
async fn signals_carry_exactly_the_python_key_sets_and_defaults() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(server.exporter("bench").runner_host("node-7").connect())
        .await
        .unwrap();
    within(exporter.initialize(["start"])).await.unwrap();
    let init = next_json(&mut wire).await;
    assert_eq!(
        keys(&init),
        [
            "event",
            "process_name",
            "publisher_id",
            "runner_host",
            "sample_no",
            "tag"
        ]
    );
    assert_eq!(init["event"], "initialization");
    assert_eq!(init["process_name"], "bench");
    assert_eq!(init["runner_host"], "node-7");
    assert_eq!(init["sample_no"], -1);
    assert_eq!(init["tag"], "No tag specified");
    let pid = init["publisher_id"].as_str().unwrap();
    assert_eq!(pid, exporter.publisher_id());
    assert!(
        pid.starts_with("bench-") && uuid_like(&pid["bench-".len()..]),
        "{pid}"
    );

    let metadata = json!({"iteration": 3, "hosts": ["a", "b"]});
    within(
        exporter
            .publish_signal("start")
            .sample(0)
            .tag("run-1")
            .metadata_value(metadata.clone()),
    )
    .await
    .unwrap();
    let signal = next_json(&mut wire).await;
    assert_eq!(keys(&signal).len(), 7);
    assert_eq!(signal["sample_no"], 0, "sample 0 travels as 0");
    assert_eq!(signal["tag"], "run-1");
    assert_eq!(signal["metadata"], metadata);

    within(exporter.shutdown().tag("bye")).await.unwrap();
    let shutdown = next_json(&mut wire).await;
    assert_eq!(keys(&shutdown).len(), 6);
    assert_eq!(
        (shutdown["event"].as_str(), shutdown["tag"].as_str()),
        (Some("shutdown"), Some("bye"))
    );
}

#[tokio::test]
async fn metadata_that_is_not_an_object_is_refused() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    for bad in [json!([1]), json!("x"), json!(null), json!(3)] {
        let err = within(exporter.publish_signal("start").metadata_value(bad))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("must be a JSON object"), "{err}");
    }
}

#[tokio::test]
async fn responses_carry_ras_and_message_only_when_present() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-response").await;
    let responder = within(server.responder().name("collector").connect())
        .await
        .unwrap();
    within(
        responder
            .handle()
            .respond("p-1", "initialization", Reply::ack()),
    )
    .await
    .unwrap();
    let ack = next_json(&mut wire).await;
    assert_eq!(keys(&ack), ["event", "publisher_id", "responder_id"]);
    let id = ack["responder_id"].as_str().unwrap();
    assert!(id.starts_with("collector-") && id.ends_with("-resp"));
    assert!(
        uuid_like(&id["collector-".len()..id.len() - "-resp".len()]),
        "{id}"
    );

    within(
        responder
            .handle()
            .respond("p-1", "start", Reply::from(Ras::new(0)).with_message("no")),
    )
    .await
    .unwrap();
    let answer = next_json(&mut wire).await;
    assert_eq!(
        answer,
        json!({"responder_id": id, "publisher_id": "p-1", "event": "start", "ras": 0, "message": "no"})
    );

    let fixed = within(server.responder().responder_id("fixed-id").connect())
        .await
        .unwrap();
    within(fixed.handle().respond("p-1", "start", Reply::success()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut wire).await["responder_id"], "fixed-id");
}

#[tokio::test]
async fn responder_accepts_lenient_signals_and_skips_wrong_types() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    let (_handle, mut signals) = responder.split();
    let payloads = [
        // accepted: defaults filled, extra keys ignored, null metadata is none
        (
            r#"{"publisher_id":"p","process_name":"x","event":"a","runner_host":"h"}"#,
            true,
        ),
        (
            r#"{"publisher_id":"p","process_name":"x","event":"b","runner_host":"h","extra":{"k":1}}"#,
            true,
        ),
        (
            r#"{"publisher_id":"p","process_name":"x","event":"c","runner_host":"h","metadata":null}"#,
            true,
        ),
        // skipped: wrong types, missing keys, not an object
        (
            r#"{"publisher_id":"p","process_name":"x","event":"bad","runner_host":"h","sample_no":"zero"}"#,
            false,
        ),
        (
            r#"{"publisher_id":"p","process_name":"x","event":"bad","runner_host":"h","tag":1}"#,
            false,
        ),
        (
            r#"{"publisher_id":"p","process_name":"x","event":"bad","runner_host":"h","metadata":[1]}"#,
            false,
        ),
        (
            r#"{"publisher_id":"p","process_name":"x","runner_host":"h"}"#,
            false,
        ),
        ("1", false),
        ("[1,2]", false),
        ("not json", false),
        (
            r#"{"publisher_id":"p","process_name":"x","event":"d","runner_host":"h","sample_no":0,"tag":"t","metadata":{"k":[1]}}"#,
            true,
        ),
    ];
    for (payload, _) in payloads {
        server.publish_raw("event-signal-pubsub", payload).await;
    }
    server
        .publish_raw("event-signal-pubsub", b"\xff\xfe\x00")
        .await;
    let mut got = Vec::new();
    for _ in 0..payloads.iter().filter(|(_, ok)| *ok).count() {
        got.push(within(signals.next()).await.unwrap());
    }
    let events: Vec<&str> = got.iter().map(|s| s.event.as_str()).collect();
    assert_eq!(events, ["a", "b", "c", "d"]);
    assert_eq!(
        (got[0].sample_no, got[0].tag.as_str()),
        (-1, "No tag specified")
    );
    assert_eq!(got[2].metadata, None);
    assert_eq!((got[3].sample_no, got[3].tag.as_str()), (0, "t"));
    assert_eq!(got[3].metadata.as_ref().unwrap()["k"], json!([1]));
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36
        && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && s.as_bytes()[14] == b'4'
}
