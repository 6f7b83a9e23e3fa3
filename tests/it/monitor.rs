//! SignalMonitor sees signals and responses without taking part.

use state_signals_test_support as common;

use common::{RedisServer, spawn_answering, within};
use state_signals::{Observed, Reply, SignalMonitor};

#[tokio::test]
async fn monitor_sees_signals_and_responses_and_applies_the_id_lock() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().responder_id("r").connect())
        .await
        .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    let other = within(server.exporter("other").connect()).await.unwrap();
    let mut all = within(
        SignalMonitor::builder()
            .url(server.url())
            .responses(true)
            .connect(),
    )
    .await
    .unwrap();
    let mut locked = within(
        SignalMonitor::builder()
            .url(server.url())
            .lock_id(exporter.publisher_id())
            .connect(),
    )
    .await
    .unwrap();

    within(other.publish_signal("noise")).await.unwrap();
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(
        exporter.subscriber_count(),
        1,
        "the monitors did not subscribe"
    );

    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(match within(all.recv()).await.unwrap() {
            Observed::Signal(s) => format!("signal {}", s.event),
            Observed::Response(r) => format!("response {} {:?}", r.event, r.ras.map(|r| r.code())),
            other => panic!("unexpected {other:?}"),
        });
    }
    assert_eq!(
        seen,
        [
            "signal noise", // not answered: the responder does not serve `other`
            "signal initialization",
            "response initialization None",
            "signal start",
            "response start Some(1)"
        ]
    );
    for expected in ["initialization", "start"] {
        match within(locked.recv()).await.unwrap() {
            Observed::Signal(s) => assert_eq!(s.event, expected),
            other => panic!("signals only without responses(true): {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_monitor_nobody_reads_keeps_its_queue_bounded() {
    let server = RedisServer::start().await;
    let mut monitor = within(
        SignalMonitor::builder()
            .url(server.url())
            .queue_capacity(16)
            .connect(),
    )
    .await
    .unwrap();
    for i in 0..100 {
        server
            .publish_raw(
                "event-signal-pubsub",
                format!(
                    r#"{{"publisher_id":"p","process_name":"x","event":"e{i}","runner_host":"h"}}"#
                ),
            )
            .await;
    }
    // Drops are counted as they happen; nothing else tells when all arrived.
    within(async {
        while monitor.dropped() < 84 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    for i in 0..16 {
        match within(monitor.recv()).await.unwrap() {
            Observed::Signal(s) => assert_eq!(s.event, format!("e{i}")),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(monitor.dropped(), 84);
}
