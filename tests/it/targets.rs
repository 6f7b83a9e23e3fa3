//! Every way to name a server works end to end — `ConnectOptions::host_port`,
//! `ConnectOptions::client`, `unix://` — and namespaces isolate runs on one server.

use state_signals_test_support as common;

use common::{RedisServer, spawn_answering, within};
use state_signals::{ConnectOptions, Reply, ResultCode, SignalExporter, SignalResponder};

async fn one_round(exporter: &SignalExporter, responder: SignalResponder) {
    spawn_answering(responder, |_| Some(Reply::success()));
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    within(exporter.shutdown()).await.unwrap();
}

#[tokio::test]
async fn host_port_and_a_callers_client_work() {
    let server = RedisServer::start().await;
    let responder = within(
        SignalResponder::builder()
            .options(ConnectOptions::host_port("127.0.0.1", server.port()))
            .connect(),
    )
    .await
    .unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let exporter = within(
        SignalExporter::builder("bench")
            .options(ConnectOptions::client(client))
            .connect(),
    )
    .await
    .unwrap();
    one_round(&exporter, responder).await;
}

#[tokio::test]
async fn a_unix_socket_works() {
    let dir = tempfile_dir();
    let socket = dir.join("redis.sock");
    let socket_arg = socket.display().to_string();
    let _server =
        RedisServer::start_with(&["--unixsocket", &socket_arg, "--unixsocketperm", "700"]).await;
    let url = format!("unix://{}", socket.display());
    let responder = within(SignalResponder::builder().url(&url).connect())
        .await
        .unwrap();
    let exporter = within(SignalExporter::builder("bench").url(&url).connect())
        .await
        .unwrap();
    one_round(&exporter, responder).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A fresh directory of this test's own under the system temp dir.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("state-signals-test-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

fn uuid_like() -> String {
    format!(
        "{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    )
}

#[tokio::test]
async fn two_namespaces_side_by_side_do_not_see_each_other() {
    let server = RedisServer::start().await;
    let mut exporters = Vec::new();
    for ns in ["a", "b"] {
        let responder = within(
            server
                .responder()
                .options(server.options().namespace(ns))
                .responder_id(format!("r-{ns}"))
                .connect(),
        )
        .await
        .unwrap();
        spawn_answering(responder, |_| Some(Reply::success()));
        let exporter = within(
            server
                .exporter("bench")
                .options(server.options().namespace(ns))
                .connect(),
        )
        .await
        .unwrap();
        within(exporter.initialize_and_wait(1, ["tick"]))
            .await
            .unwrap();
        exporters.push((ns, exporter));
    }
    for (ns, exporter) in &exporters {
        let report = within(exporter.publish_signal("tick")).await.unwrap();
        assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
        assert_eq!(exporter.subscribers(), [format!("r-{ns}")]);
        assert_eq!(
            report.answers.keys().collect::<Vec<_>>(),
            [&format!("r-{ns}")]
        );
    }
}
