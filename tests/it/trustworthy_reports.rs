//! A report counts only answers to *this* signal, and says so at once when
//! an answer is invalid: late answers, invalid `ras` values, duplicate keys,
//! arrays, dead subscribers.

use state_signals_test_support as common;

use std::time::Duration;

use common::{RedisServer, raw_answer, spawn_answering, within};
use futures_util::FutureExt;
use state_signals::{ExporterEvent, Handler, PublishReport, Reply, ResultCode, Signal};
use tokio::sync::mpsc;

/// Tells the test which sample it started, then waits to be released.
struct Slow {
    started: mpsc::UnboundedSender<i64>,
    release: mpsc::UnboundedReceiver<()>,
}

impl Handler for Slow {
    async fn on_signal(&mut self, signal: &Signal) -> Reply {
        let _ = self.started.send(signal.sample_no);
        self.release.recv().await;
        Reply::success().with_message(format!("sample {}", signal.sample_no))
    }
}

#[tokio::test]
async fn a_late_answer_is_never_counted_for_the_next_signal() {
    let server = RedisServer::start().await;
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let (release, release_rx) = mpsc::unbounded_channel();
    let responder = within(server.responder().responder_id("slow").connect())
        .await
        .unwrap();
    tokio::spawn(responder.serve(Slow {
        started: started_tx,
        release: release_rx,
    }));
    let exporter = within(server.exporter("bench").number_samples(true).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();

    // Signal 1: the handler is held until after its publish timed out.
    let first = within(
        exporter
            .publish_signal("tick")
            .timeout(Duration::from_millis(200)),
    )
    .await
    .unwrap();
    assert_eq!(first.code, ResultCode::SomeMissing);
    assert_eq!(within(started.recv()).await, Some(1));

    // Signal 2: the answer to signal 1 arrives while it waits, then the real one.
    let second = exporter.publish_signal("tick");
    let drive = async {
        release.send(()).unwrap(); // answers sample 1: late
        assert_eq!(within(started.recv()).await, Some(2));
        release.send(()).unwrap(); // answers sample 2
    };
    let (second, ()) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(second), drive) }).await;
    let second = second.unwrap();
    assert_eq!(second.code, ResultCode::AllSucceeded, "{second:?}");
    assert_eq!(
        second.answers["slow"].message.as_deref(),
        Some("sample 2"),
        "the answer to signal 2, not the late one to signal 1"
    );
}

#[tokio::test]
async fn invalid_ras_values_count_as_failed_at_once_with_the_reason() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(
        exporter
            .initialize(["tick"])
            .expected_responders(["a", "b", "c"]),
    )
    .await
    .unwrap();
    common::next_json(&mut wire).await; // initialization
    let pid = exporter.publisher_id().to_owned();
    let answers = [
        raw_answer("a", &pid, "tick", r#","ras":"1""#),
        raw_answer("b", &pid, "tick", r#","ras":1.5"#),
        raw_answer("c", &pid, "tick", r#","ras":18446744073709551616"#),
    ];
    // Far longer than the test limit: only counting them at once passes.
    let publish = exporter
        .publish_signal("tick")
        .timeout(Duration::from_secs(600));
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await
        .unwrap();
    assert_eq!(report.code, ResultCode::SomeFailed, "{report:?}");
    assert!(report.missing.is_empty());
    for id in ["a", "b", "c"] {
        let answer = &report.answers[id];
        assert_eq!(answer.ras.code(), 0, "{answer:?}");
        assert!(
            answer
                .message
                .as_deref()
                .unwrap_or_default()
                .contains("invalid ras"),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn duplicate_keys_take_the_last_value_and_arrays_are_refused() {
    let server = RedisServer::start().await;
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(
        exporter
            .initialize(["tick"])
            .expected_responders(["r", "arr"]),
    )
    .await
    .unwrap();
    common::next_json(&mut wire).await;
    let pid = exporter.publisher_id().to_owned();
    let answers = [
        // As Python's json.loads reads it: responder "r", ras 1.
        format!(
            r#"{{"responder_id":"x","responder_id":"r","publisher_id":"{pid}","event":"tick","ras":0,"ras":1}}"#
        ),
        // A JSON array is not a Response, even with the right values in order.
        format!(r#"["arr","{pid}","tick",1]"#),
    ];
    let publish = exporter
        .publish_signal("tick")
        .timeout(Duration::from_millis(500));
    let report = server
        .publish_with_raw_answers(&mut wire, publish, &answers)
        .await
        .unwrap();
    assert_eq!(report.answers["r"].ras.code(), 1, "{report:?}");
    assert!(report.missing.contains("arr"), "{report:?}");
    assert!(!report.answers.contains_key("x"));
}

#[tokio::test]
async fn a_signal_that_is_an_array_is_skipped_by_responders() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    let (_handle, mut signals) = responder.split();
    server
        .publish_raw("event-signal-pubsub", r#"["x","p","initialization","h"]"#)
        .await;
    server
        .publish_raw(
            "event-signal-pubsub",
            r#"{"publisher_id":"p","process_name":"x","event":"after","runner_host":"h"}"#,
        )
        .await;
    assert_eq!(within(signals.recv()).await.unwrap().event, "after");
}

#[tokio::test]
async fn dead_subscribers_can_be_removed_or_evicted() {
    let server = RedisServer::start().await;
    let dead = within(server.responder().responder_id("dead").connect())
        .await
        .unwrap();
    spawn_answering(dead, |_| None);
    let ok = within(server.responder().responder_id("ok").connect())
        .await
        .unwrap();
    spawn_answering(ok, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").evict_after(2).connect())
        .await
        .unwrap();
    let mut events = exporter.events();
    within(exporter.initialize_and_wait(2, ["tick"]))
        .await
        .unwrap();
    let quick = || {
        exporter
            .publish_signal("tick")
            .timeout(Duration::from_millis(200))
    };
    let first = within(quick()).await.unwrap();
    assert!(first.missing.contains("dead") && first.evicted.is_empty());
    let second = within(quick()).await.unwrap();
    assert!(second.evicted.contains("dead"), "{second:?}");
    assert_eq!(exporter.subscribers(), ["ok"]);
    within(async {
        while let Some(event) = events.recv().await {
            if let ExporterEvent::SubscriberEvicted { responder_id, .. } = event {
                assert_eq!(responder_id, "dead");
                return;
            }
        }
    })
    .await;
    // Every later publish is quick again; the last one is removed by hand.
    let third = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(third.code, ResultCode::AllSucceeded);
    assert!(exporter.remove_subscriber("ok"));
    assert!(!exporter.remove_subscriber("ok"));
    assert_eq!(exporter.subscriber_count(), 0);
}

/// Anyone who may publish on the response channel can answer under
/// invented ids: the exporter counts such answers, keeps a bounded few for
/// the report (messages cut), warns once per interval — and still counts
/// the real subscriber. (It kept every one with its message, and warned for
/// each.)
#[tokio::test]
async fn forged_answers_are_counted_not_kept() {
    const FORGED: usize = 5_000;
    let mut logs = common::logs::capture();
    // No pub/sub output limit: nothing but the exporter stands between the
    // flood and its memory.
    let server = RedisServer::start_with(&["--client-output-buffer-limit", "pubsub 0 0 0"]).await;
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let (release, release_rx) = mpsc::unbounded_channel();
    let responder = within(server.responder().responder_id("real").connect())
        .await
        .unwrap();
    tokio::spawn(responder.serve(Slow {
        started: started_tx,
        release: release_rx,
    }));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let message = "x".repeat(8 * 1024);
    // In batches: one 40 MB pipeline can outlast the client's response
    // timeout on a loaded machine.
    let floods: Vec<redis::Pipeline> = (0..FORGED)
        .collect::<Vec<_>>()
        .chunks(250)
        .map(|batch| {
            let mut flood = redis::pipe();
            for n in batch {
                let answer = raw_answer(
                    &format!("forged-{n}"),
                    exporter.publisher_id(),
                    "tick",
                    &format!(r#","ras":1,"message":"{message}""#),
                );
                flood
                    .cmd("PUBLISH")
                    .arg("event-signal-response")
                    .arg(answer)
                    .ignore();
            }
            flood
        })
        .collect();
    let mut conn = server.connection().await;
    let drive = async {
        within(started.recv()).await;
        for flood in &floods {
            within(flood.query_async::<()>(&mut conn)).await.unwrap();
        }
        release.send(()).unwrap(); // the real answer, after the flood
    };
    let publish = exporter.publish_signal("tick");
    let (report, ()) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), drive) }).await;
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{:?}", report.code);
    assert!(report.answers.contains_key("real"));
    assert_eq!(report.outsiders.len(), PublishReport::OUTSIDERS_KEPT);
    assert!(report.outsiders.values().all(|a| {
        a.message
            .as_ref()
            .is_some_and(|m| m.len() <= PublishReport::OUTSIDER_MESSAGE_KEPT)
    }));
    assert_eq!(report.outsiders_seen, FORGED as u64);
    drop(exporter);
    let mut warnings = 0;
    while logs
        .line_with("not subscribers")
        .now_or_never()
        .flatten()
        .is_some()
    {
        warnings += 1;
    }
    assert!(warnings <= 2, "{warnings} warnings for one flood");
    assert!(warnings >= 1, "the flood is logged");
}
