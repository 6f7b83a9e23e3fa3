//! Malformed, mistyped and oversized payloads are skipped; listeners keep
//! working and a waiting publish is not fooled into success.

use state_signals_test_support as common;

use std::time::Duration;

use common::{RedisServer, next_json, raw_answer, spawn_answering, within};
use futures_util::StreamExt;
use state_signals::{Reply, ResultCode};

const HOSTILE: [&[u8]; 9] = [
    b"1",
    b"[]",
    b"null",
    b"\"text\"",
    b"{not json",
    b"\xff\xfe\xfd",
    br#"{"responder_id":1,"publisher_id":"x","event":"e"}"#,
    br#"{"responder_id":"r","publisher_id":"x"}"#,
    b"",
];

#[tokio::test]
async fn hostile_responses_do_not_stop_the_exporter_or_fool_a_publish() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let good = within(server.responder().responder_id("good").connect())
        .await
        .unwrap();
    spawn_answering(good, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(
        exporter
            .initialize_and_wait(1, ["start"])
            .expected_responders(["absent"]),
    )
    .await
    .unwrap();
    next_json(&mut wire).await;
    let pid = exporter.publisher_id().to_owned();
    let publish = exporter
        .publish_signal("start")
        .timeout(Duration::from_millis(700));
    let mut answers: Vec<Vec<u8>> = HOSTILE.iter().map(|p| p.to_vec()).collect();
    // An array holding a plausible answer in order: not a Response.
    answers.push(format!(r#"["absent","{pid}","start",1]"#).into_bytes());
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await;
    let report = report.unwrap();
    assert_eq!(
        report.code,
        ResultCode::SomeMissing,
        "not fooled into success"
    );
    assert_eq!(report.missing.iter().collect::<Vec<_>>(), ["absent"]);

    // The listener still works: a new subscriber joins, answers are collected.
    let late = within(server.responder().responder_id("late").connect())
        .await
        .unwrap();
    spawn_answering(late, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(3, ["start"]))
        .await
        .unwrap();
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(700)),
    )
    .await
    .unwrap();
    assert_eq!(report.succeeded().collect::<Vec<_>>(), ["good", "late"]);
}

#[tokio::test]
async fn hostile_signals_do_not_stop_the_responder() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    let (_handle, mut signals) = responder.split();
    for payload in HOSTILE {
        server.publish_raw("event-signal-pubsub", payload).await;
    }
    server
        .publish_raw(
            "event-signal-pubsub",
            r#"{"publisher_id":"p","process_name":"x","event":"after","runner_host":"h"}"#,
        )
        .await;
    assert_eq!(within(signals.next()).await.unwrap().event, "after");
}

#[tokio::test]
async fn payloads_over_the_cap_are_skipped_and_large_ones_under_it_accepted() {
    let server = RedisServer::start().await;
    let responder = within(
        server
            .responder()
            .options(server.options().max_payload(64 * 1024))
            .connect(),
    )
    .await
    .unwrap();
    let (_handle, mut signals) = responder.split();
    let big = |event: &str, size: usize| {
        format!(
            r#"{{"publisher_id":"p","process_name":"x","event":"{event}","runner_host":"h","metadata":{{"blob":"{}"}}}}"#,
            "x".repeat(size)
        )
    };
    server
        .publish_raw("event-signal-pubsub", big("too-big", 100 * 1024))
        .await;
    server
        .publish_raw("event-signal-pubsub", big("fits", 60 * 1024))
        .await;
    let signal = within(signals.next()).await.unwrap();
    assert_eq!(signal.event, "fits");
    assert_eq!(
        signal.metadata.unwrap()["blob"].as_str().unwrap().len(),
        60 * 1024
    );

    // The default cap (4 MiB) accepts a 3 MiB signal end to end.
    let default = within(server.responder().connect()).await.unwrap();
    let (_default, mut signals) = default.split();
    server
        .publish_raw("event-signal-pubsub", big("three-mib", 3 << 20))
        .await;
    server
        .publish_raw("event-signal-pubsub", big("five-mib", 5 << 20))
        .await;
    server
        .publish_raw("event-signal-pubsub", big("small", 1))
        .await;
    assert_eq!(within(signals.next()).await.unwrap().event, "three-mib");
    assert_eq!(within(signals.next()).await.unwrap().event, "small");
}

#[tokio::test]
async fn oversized_responses_are_skipped_by_the_exporter() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(
        server
            .exporter("bench")
            .options(server.options().max_payload(1024))
            .connect(),
    )
    .await
    .unwrap();
    within(exporter.initialize(["start"]).expected_responders(["r"]))
        .await
        .unwrap();
    next_json(&mut wire).await;
    let pid = exporter.publisher_id().to_owned();
    let publish = exporter
        .publish_signal("start")
        .timeout(Duration::from_millis(500));
    let message = format!(r#","ras":1,"message":"{}""#, "m".repeat(2048));
    let answers = [raw_answer("r", &pid, "start", &message)];
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await;
    assert_eq!(report.unwrap().code, ResultCode::SomeMissing);
}
