//! What the in-memory bus injects for users' tests: a pause, a cut, a slow
//! network; and the payload cap applied as on Redis (the bus carries the
//! same JSON, decoded by the same code).

use state_signals_test_support as common;

use std::time::Duration;

use common::{spawn_answering, within};
use state_signals::{
    ConnectOptions, Error, MemoryBus, Reply, ResultCode, SignalExporter, SignalResponder,
};

async fn setup(bus: &MemoryBus, responder: ConnectOptions) -> (SignalExporter, SignalResponder) {
    let r = within(
        SignalResponder::builder()
            .options(responder)
            .responder_id("r1")
            .connect(),
    )
    .await
    .unwrap();
    let exporter = within(
        SignalExporter::builder("p")
            .options(ConnectOptions::in_memory(bus).command_timeout(Duration::from_millis(200)))
            .connect(),
    )
    .await
    .unwrap();
    (exporter, r)
}

#[tokio::test]
async fn a_pause_holds_publishes_until_the_command_timeout() {
    let bus = MemoryBus::new();
    let (exporter, responder) = setup(&bus, ConnectOptions::in_memory(&bus)).await;
    spawn_answering(responder, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    bus.pause();
    let err = within(exporter.publish_signal("start")).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    bus.resume();
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
}

#[tokio::test]
async fn a_cut_loses_what_is_published_and_reconnecting_resubscribes() {
    let bus = MemoryBus::new();
    let (exporter, responder) = setup(&bus, ConnectOptions::in_memory(&bus)).await;
    let handle = responder.handle().clone();
    spawn_answering(responder, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    assert!(handle.is_subscribed());
    bus.disconnect();
    assert!(!handle.is_subscribed());
    let err = within(exporter.publish_signal("start")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::CommandTimeout {
                command: "PUBLISH",
                ..
            }
        ),
        "{err}"
    );
    bus.reconnect();
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert!(handle.is_subscribed());
}

#[tokio::test]
async fn a_delay_makes_answers_late_but_keeps_their_order() {
    let bus = MemoryBus::new();
    let (exporter, responder) = setup(&bus, ConnectOptions::in_memory(&bus)).await;
    spawn_answering(responder, |event| {
        Some(Reply::success().with_message(format!("did {event}")))
    });
    within(exporter.initialize_and_wait(1, ["start", "stop"]))
        .await
        .unwrap();
    bus.set_delay(Duration::from_secs(2));
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
    bus.set_delay(Duration::ZERO);
    // `stop` is delivered after the late `start` (order kept); the late
    // answer to `start` is not counted for `stop`.
    let report = within(exporter.publish_signal("stop")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);
    assert_eq!(report.answers["r1"].message.as_deref(), Some("did stop"));
}

#[tokio::test]
async fn a_delay_of_duration_max_holds_messages_practically_forever() {
    let bus = MemoryBus::new();
    let (exporter, responder) = setup(&bus, ConnectOptions::in_memory(&bus)).await;
    spawn_answering(responder, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    bus.set_delay(Duration::MAX);
    let report = within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
}

#[tokio::test]
async fn the_payload_cap_applies_as_on_redis() {
    let bus = MemoryBus::new();
    let capped = ConnectOptions::in_memory(&bus).max_payload(512);
    let (exporter, responder) = setup(&bus, capped).await;
    spawn_answering(responder, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    let mut big = state_signals::Metadata::new();
    big.insert("blob".into(), "x".repeat(4096).into());
    let report = within(
        exporter
            .publish_signal("start")
            .metadata(big)
            .timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    assert_eq!(
        report.receivers, 1,
        "delivered, then skipped by the responder"
    );
    assert_eq!(report.code, ResultCode::SomeMissing);
}
