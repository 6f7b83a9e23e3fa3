//! ACL users restricted to the minimal rules the README lists work end to
//! end; a user missing a command or a channel gets a typed error naming it.

use state_signals_test_support as common;

use common::{MONITOR, PARTICIPANT, RedisServer, spawn_answering, within};
use state_signals::{
    ConnectOptions, Reply, ResultCode, SignalExporter, SignalMonitor, SignalResponder,
};

async fn user(server: &RedisServer, name: &str, rules: &[&str]) -> ConnectOptions {
    let rules: Vec<&str> = ["reset", "on", ">pw"]
        .iter()
        .chain(rules)
        .copied()
        .collect();
    server.acl_setuser(name, &rules).await;
    ConnectOptions::url(format!("redis://{name}:pw@127.0.0.1:{}", server.port()))
}

#[tokio::test]
async fn users_with_the_minimal_rules_work_end_to_end() {
    let server = RedisServer::start().await;
    let exporter_options = user(&server, "exporter", PARTICIPANT).await;
    let responder_options = user(&server, "responder", PARTICIPANT).await;
    let monitor_options = user(&server, "monitor", MONITOR).await;
    let mut monitor = within(
        SignalMonitor::builder()
            .options(monitor_options)
            .responses(true)
            .connect(),
    )
    .await
    .unwrap();
    let responder = within(
        SignalResponder::builder()
            .options(responder_options)
            .responder_id("r")
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(
        SignalExporter::builder("bench")
            .options(exporter_options)
            .connect(),
    )
    .await
    .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    within(exporter.shutdown()).await.unwrap();
    // The monitor saw the session: initialization, its answer, tick …
    let first = within(monitor.recv()).await.unwrap();
    assert!(format!("{first:?}").contains("initialization"), "{first:?}");
}

#[tokio::test]
async fn a_missing_command_is_a_typed_error_that_names_it() {
    let server = RedisServer::start().await;
    let without_publish: Vec<&str> = PARTICIPANT
        .iter()
        .copied()
        .filter(|rule| *rule != "+publish")
        .collect();
    let options = user(&server, "mute", &without_publish).await;
    let exporter = within(SignalExporter::builder("bench").options(options).connect())
        .await
        .unwrap();
    let err = within(exporter.initialize(["tick"])).await.unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("PUBLISH") && text.contains("publish"),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_channel_is_a_typed_error_at_initialize() {
    let server = RedisServer::start().await;
    let options = user(
        &server,
        "half",
        &[
            "resetchannels",
            "&event-signal-pubsub",
            "-@all",
            "+hello",
            "+ping",
            "+publish",
            "+subscribe",
        ],
    )
    .await;
    let exporter = within(SignalExporter::builder("bench").options(options).connect())
        .await
        .unwrap();
    let err = within(exporter.initialize(["tick"])).await.unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    assert!(err.to_string().contains("SUBSCRIBE"), "{err}");
}

#[tokio::test]
async fn the_no_receiver_fail_fast_needs_no_info_permission() {
    let server = RedisServer::start().await;
    let options = user(&server, "exporter", PARTICIPANT).await;
    let exporter = within(SignalExporter::builder("bench").options(options).connect())
        .await
        .unwrap();
    within(exporter.initialize(["tick"]).expected_responders(["ghost"]))
        .await
        .unwrap();
    // Nobody listens: reported missing at once, not after the timeout.
    let report = within(
        exporter
            .publish_signal("tick")
            .timeout(std::time::Duration::from_secs(600)),
    )
    .await
    .unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing);
    assert_eq!(report.receivers, 0);
}
