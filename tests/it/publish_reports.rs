//! A publish waits for every subscriber and reports who succeeded, failed or is missing.

use state_signals_test_support as common;

use std::future::IntoFuture;
use std::time::Duration;

use common::{RedisServer, raw_answer, spawn_answering, within};
use state_signals::{Error, Ras, Reply, ResultCode};

const EVENTS: [&str; 2] = ["benchmark-start", "benchmark-stop"];

#[tokio::test]
async fn all_success_one_failure_and_one_missing_name_the_right_ids() {
    let server = RedisServer::start().await;
    let ok = within(server.responder().responder_id("ok").connect())
        .await
        .unwrap();
    let picky = within(server.responder().responder_id("picky").connect())
        .await
        .unwrap();
    spawn_answering(ok, |_| Some(Reply::success().with_message("done")));
    spawn_answering(picky, |event| {
        Some(if event == "benchmark-stop" {
            Reply::from(Ras::new(7)).with_message("disk full")
        } else {
            Reply::success()
        })
    });
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(2, EVENTS))
        .await
        .unwrap();
    assert_eq!(exporter.subscribers(), ["ok", "picky"]);

    let report = within(exporter.publish_signal("benchmark-start"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert_eq!(report.answers.len(), 2);
    assert_eq!(report.messages().collect::<Vec<_>>(), [("ok", "done")]);
    assert_eq!(report.receivers, 2);

    let report = within(exporter.publish_signal("benchmark-stop"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    assert_eq!(
        report.failed().collect::<Vec<_>>(),
        [("picky", Ras::new(7))]
    );
    assert_eq!(report.succeeded().collect::<Vec<_>>(), ["ok"]);
    assert!(report.messages().any(|m| m == ("picky", "disk full")));

    // A third subscriber that never answers anything but initialization.
    let silent = within(server.responder().responder_id("silent").connect())
        .await
        .unwrap();
    spawn_answering(silent, |_| None);
    within(exporter.initialize_and_wait(3, EVENTS))
        .await
        .unwrap();
    let report = within(
        exporter
            .publish_signal("benchmark-stop")
            .timeout(Duration::from_millis(500)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
    assert_eq!(report.missing.iter().collect::<Vec<_>>(), ["silent"]);
    assert_eq!(
        report.failed().count(),
        1,
        "failures are still reported with missing ones"
    );
    assert!(report.elapsed >= Duration::from_millis(500));
}

#[tokio::test]
async fn legal_illegal_and_reserved_events() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;

    assert!(matches!(
        within(exporter.initialize(Vec::<String>::new())).await,
        Err(Error::NoLegalEvents)
    ));
    for reserved in ["initialization", "shutdown"] {
        let err = within(exporter.initialize(["a", reserved]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::ReservedEvent { ref event, .. } if event == reserved),
            "{err}"
        );
    }
    within(exporter.initialize(EVENTS)).await.unwrap();
    assert_eq!(
        common::next_json(&mut wire).await["event"],
        "initialization"
    );

    for reserved in ["initialization", "shutdown"] {
        let err = within(exporter.publish_signal(reserved)).await.unwrap_err();
        assert!(matches!(err, Error::ReservedEvent { .. }), "{err}");
        assert!(err.to_string().contains("reserved"), "{err}");
    }
    let err = within(exporter.publish_signal("benchmark-pause"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::IllegalEvent { ref event, ref legal, .. } if event == "benchmark-pause" && legal.len() == 2),
        "{err}"
    );
    // Nothing was published for the refused calls.
    let report = within(exporter.publish_signal("benchmark-start"))
        .await
        .unwrap();
    assert_eq!(
        report.code,
        ResultCode::AllSucceeded,
        "no subscribers: success at once"
    );
    assert_eq!(
        common::next_json(&mut wire).await["event"],
        "benchmark-start"
    );
}

#[tokio::test]
async fn publish_before_initialize_checks_nothing_and_waits_for_nobody() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let report = within(exporter.publish_signal("anything-goes"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert!(report.answers.is_empty());
    assert_eq!(report.receivers, 2, "the responder and the raw subscriber");
    assert_eq!(common::next_json(&mut wire).await["event"], "anything-goes");
    // Reserved names are refused even before initialize.
    assert!(within(exporter.publish_signal("shutdown")).await.is_err());
}

#[tokio::test]
async fn fail_fast_when_no_client_receives_the_signal() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(
        exporter
            .initialize(EVENTS)
            .expected_responders(["gone-1", "gone-2"]),
    )
    .await
    .unwrap();
    let report = within(
        exporter
            .publish_signal("benchmark-start")
            .timeout(Duration::from_secs(30)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
    assert_eq!(report.receivers, 0);
    assert_eq!(report.missing.len(), 2);
    assert!(
        report.elapsed < Duration::from_secs(5),
        "took {:?}",
        report.elapsed
    );
}

#[tokio::test]
async fn unknown_and_duplicate_responders_do_not_count() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    // A raw subscriber on the signal channel keeps PUBLISH's count above 0.
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    within(exporter.initialize(EVENTS).expected_responders(["a", "b"]))
        .await
        .unwrap();
    common::next_json(&mut wire).await;
    let pid = exporter.publisher_id().to_owned();

    let publish = exporter
        .publish_signal("benchmark-start")
        .timeout(Duration::from_millis(800));
    let answers = [
        raw_answer("stranger", &pid, "benchmark-start", r#","ras":1"#),
        raw_answer("a", &pid, "benchmark-start", r#","ras":1"#),
        raw_answer("a", &pid, "benchmark-start", r#","ras":0"#), // duplicate
    ];
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await;
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
    assert_eq!(
        report.answers.keys().collect::<Vec<_>>(),
        ["a"],
        "the stranger is not counted"
    );
    assert_eq!(
        report.answers["a"].ras,
        Ras::SUCCESS,
        "the duplicate does not overwrite"
    );
    assert_eq!(report.missing.iter().collect::<Vec<_>>(), ["b"]);
}

#[tokio::test]
async fn ras_true_and_null_count_as_python_counts_them() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    within(exporter.initialize(EVENTS).expected_responders(["t", "n"]))
        .await
        .unwrap();
    common::next_json(&mut wire).await;
    let pid = exporter.publisher_id().to_owned();
    let publish = exporter.publish_signal("benchmark-stop");
    let answers = [
        raw_answer("t", &pid, "benchmark-stop", r#","ras":true,"extra":1"#),
        raw_answer("n", &pid, "benchmark-stop", r#","ras":null"#),
    ];
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await;
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed);
    assert_eq!(report.failed().map(|(id, _)| id).collect::<Vec<_>>(), ["n"]);
    assert!(report.missing.is_empty());
}

#[tokio::test]
async fn overlapping_publishes_are_serialized() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().responder_id("r").connect())
        .await
        .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, EVENTS))
        .await
        .unwrap();
    let (a, b) = within(async {
        tokio::join!(
            exporter.publish_signal("benchmark-start").into_future(),
            exporter.publish_signal("benchmark-start").into_future()
        )
    })
    .await;
    for report in [a.unwrap(), b.unwrap()] {
        assert_eq!(report.code, ResultCode::AllSucceeded);
        assert_eq!(report.answers.len(), 1);
    }
}

/// `Duration::MAX` (or any duration too large to add to an `Instant`) is
/// "practically never" everywhere a duration is taken: no panic, and the
/// session runs as with any long limit. (Each of these panicked with an
/// overflow in `Instant + Duration`.)
#[tokio::test]
async fn duration_max_means_practically_never() {
    let server = RedisServer::start().await;
    let options = server
        .options()
        .connect_timeout(Duration::MAX)
        .command_timeout(Duration::MAX)
        .health_check_interval(Duration::MAX);
    let responder = within(
        server
            .responder()
            .options(options.clone())
            .idle_timeout(Duration::MAX)
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").options(options).connect())
        .await
        .unwrap();
    within(
        exporter
            .initialize_and_wait(1, EVENTS)
            .timeout(Duration::MAX),
    )
    .await
    .unwrap();
    let report = within(
        exporter
            .publish_signal("benchmark-start")
            .timeout(Duration::MAX),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
}

/// A signal over the payload cap every peer enforces is a typed error
/// before anything is sent (it was sent, skipped by every responder, and
/// reported missing after the whole timeout).
#[tokio::test]
async fn a_signal_over_the_payload_cap_is_refused_before_it_is_sent() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let responder = within(server.responder().connect()).await.unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, EVENTS))
        .await
        .unwrap();
    common::next_json(&mut wire).await; // the initialization
    let huge = serde_json::json!({ "blob": "x".repeat(5 * 1024 * 1024) });
    let refused = within(
        exporter
            .publish_signal("benchmark-start")
            .metadata(huge.as_object().unwrap().clone())
            .timeout(Duration::from_secs(3600)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, Error::PayloadTooLarge { size, max, .. } if size > max && max == 4 * 1024 * 1024),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("nothing was sent"),
        "{refused}"
    );
    // The next signal goes through, and it is the first the wire sees.
    let report = within(exporter.publish_signal("benchmark-stop"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert_eq!(
        common::next_json(&mut wire).await["event"],
        "benchmark-stop"
    );
}

/// Every answer carries its latency, from the publish to its arrival: a
/// responder that takes 300 ms to answer shows at least that, and heads
/// the slowest.
#[tokio::test]
async fn each_answer_carries_its_latency_and_the_slowest_come_first() {
    struct Slow(Duration);
    impl state_signals::Handler for Slow {
        async fn on_signal(&mut self, _signal: &state_signals::Signal) -> Reply {
            tokio::time::sleep(self.0).await; // the delay under test
            Reply::success()
        }
    }
    let server = RedisServer::start().await;
    let delay = Duration::from_millis(300);
    let slow = within(server.responder().responder_id("slow").connect())
        .await
        .unwrap();
    tokio::spawn(slow.serve(Slow(delay)));
    let fast = within(server.responder().responder_id("fast").connect())
        .await
        .unwrap();
    spawn_answering(fast, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(2, EVENTS))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("benchmark-start"))
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    let (slow, fast) = (&report.answers["slow"], &report.answers["fast"]);
    assert!(slow.latency >= delay, "{:?}", slow.latency);
    assert!(
        fast.latency < slow.latency,
        "{:?} {:?}",
        fast.latency,
        slow.latency
    );
    assert!(slow.latency <= report.elapsed);
    assert_eq!(report.slowest(1), [("slow", slow.latency)]);
}
