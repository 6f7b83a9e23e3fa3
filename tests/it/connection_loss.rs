//! Redis going away: connect timeouts, publishes during an outage, a restart
//! mid-run, and dropping an exporter without shutdown.

use state_signals_test_support as common;

use std::time::{Duration, Instant};

use common::{RedisServer, spawn_answering, within};
use state_signals::{ConnectOptions, Error, Reply, ResultCode, SignalExporter, SignalResponder};

#[tokio::test]
async fn connecting_to_a_missing_server_fails_after_the_timeout() {
    let mut server = RedisServer::start().await;
    let url = server.url();
    server.stop();
    let started = Instant::now();
    let err = within(
        SignalExporter::builder("bench")
            .options(
                ConnectOptions::url(url.replace("127.0.0.1", "u:s3cret@127.0.0.1"))
                    .connect_timeout(Duration::from_millis(1500)),
            )
            .connect(),
    )
    .await
    .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(
        err.is_connection_refused() && !err.is_timeout(),
        "the last refusal is kept, not a bare timeout: {err}"
    );
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("cannot reach Redis at redis://u:***@127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "password leaked: {text}");
}

#[tokio::test]
async fn a_server_that_appears_during_the_connect_timeout_is_reached() {
    let mut server = RedisServer::start().await;
    server.stop();
    // Something answers on the port and hangs up: the first attempt fails.
    let refuser = tokio::net::TcpListener::bind(("127.0.0.1", server.port()))
        .await
        .expect("bind the stopped server's port");
    let url = server.url();
    let connect = SignalResponder::builder()
        .options(ConnectOptions::url(url).connect_timeout(Duration::from_secs(10)))
        .connect();
    let (responder, ()) = within(async {
        tokio::join!(connect, async {
            // Once an attempt failed, the server appears for the next one.
            drop(refuser.accept().await.expect("a connection attempt"));
            drop(refuser);
            server.restart().await;
        })
    })
    .await;
    responder.unwrap();
}

#[tokio::test]
async fn a_wrong_password_fails_at_once_without_showing_it() {
    let server = RedisServer::start_with(&["--requirepass", "right"]).await;
    let started = Instant::now();
    let err = within(
        SignalResponder::builder()
            .url(server.url().replace("127.0.0.1", ":wrong-s3cret@127.0.0.1"))
            .connect(),
    )
    .await
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "auth errors are not retried"
    );
    assert!(err.is_auth_failed(), "{err}");
    assert!(!err.is_connection_refused() && !err.is_permission_denied());
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wrong-s3cret"), "{text}");
    let ok = within(
        SignalResponder::builder()
            .url(server.url().replace("127.0.0.1", ":right@127.0.0.1"))
            .connect(),
    )
    .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn both_sides_survive_a_redis_restart() {
    let mut server = RedisServer::start().await;
    let responder = within(server.responder().responder_id("r").connect())
        .await
        .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(
        server
            .exporter("bench")
            .options(server.options().command_timeout(Duration::from_secs(1)))
            .connect(),
    )
    .await
    .unwrap();
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    assert!(
        within(exporter.publish_signal("start"))
            .await
            .unwrap()
            .all_succeeded()
    );

    server.stop();
    // During the outage a publish fails or reports its missing responder
    // within its timeout: it never hangs.
    let started = Instant::now();
    match within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_secs(3)),
    )
    .await
    {
        Ok(report) => assert_eq!(report.code, ResultCode::SomeMissing),
        Err(err) => assert!(
            matches!(err, Error::Redis { .. } | Error::CommandTimeout { .. }),
            "{err}"
        ),
    }
    assert!(started.elapsed() < Duration::from_secs(4));

    server.restart().await;
    // Both sides resubscribe by themselves.
    server.wait_numsub("event-signal-pubsub", 1).await;
    server.wait_numsub("event-signal-response", 1).await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert_eq!(
        exporter.subscribers(),
        ["r"],
        "the subscriber set outlives the restart"
    );
}

#[tokio::test]
async fn dropping_an_exporter_without_shutdown_closes_everything() {
    let server = RedisServer::start().await;
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize(["start"])).await.unwrap();
    assert_eq!(server.numsub("event-signal-response").await, 1);
    drop(exporter);
    // Its subscription (and connection) goes away with it.
    server
        .wait_numsub_until("event-signal-response", |n| n == 0)
        .await;
}

#[tokio::test]
async fn a_command_that_gets_no_answer_is_a_command_timeout() {
    let server = RedisServer::start().await;
    let exporter = within(
        server
            .exporter("bench")
            .options(server.options().command_timeout(Duration::from_millis(300)))
            .connect(),
    )
    .await
    .unwrap();
    let mut admin = server.connection().await;
    within(
        redis::cmd("CLIENT")
            .arg(&["PAUSE", "3000", "WRITE"])
            .query_async::<()>(&mut admin),
    )
    .await
    .unwrap();
    let err = within(exporter.publish_signal("anything"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CommandTimeout { .. }), "{err}");
    assert!(err.is_timeout() && !err.is_connection_refused(), "{err}");
    within(
        redis::cmd("CLIENT")
            .arg("UNPAUSE")
            .query_async::<()>(&mut admin),
    )
    .await
    .unwrap();
}
