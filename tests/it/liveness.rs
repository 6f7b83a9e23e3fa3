//! Connections never go deaf: a half-open path (behind the test proxy) is
//! detected and replaced, a refused resubscription is retried until it is
//! allowed again, and a publish in flight on a dead path ends.

use state_signals_test_support as common;

use std::time::Duration;

use common::proxy::Proxy;
use common::{RedisServer, next_event, short_liveness, spawn_answering, within};
use state_signals::{ConnectOptions, ExporterEvent, Reply, ResultCode};

/// Through the proxy, with the tests' short liveness bound.
fn behind(proxy: &Proxy) -> ConnectOptions {
    short_liveness(ConnectOptions::url(proxy.url()))
}

#[tokio::test]
async fn a_blackholed_exporter_and_responder_reconnect_and_answers_flow_again() {
    let server = RedisServer::start().await;
    let proxy = Proxy::start(server.port()).await;
    let responder = within(
        server
            .responder()
            .options(behind(&proxy))
            .responder_id("r")
            .connect(),
    )
    .await
    .unwrap();
    let handle = responder.handle().clone();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").options(behind(&proxy)).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded);

    let mut events = exporter.events();
    // Dead paths, and for a while no new path either: both keep trying.
    proxy.refuse();
    proxy.blackhole();
    server
        .wait_numsub_until("event-signal-pubsub", |n| n == 0)
        .await;
    next_event(&mut events, |e| matches!(e, ExporterEvent::ConnectionLost)).await;
    proxy.resume();
    next_event(&mut events, |e| matches!(e, ExporterEvent::Subscribed)).await;
    server.wait_numsub("event-signal-pubsub", 1).await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(
        handle.is_subscribed(),
        "it answered, so it is subscribed again"
    );
}

#[tokio::test]
async fn a_subscribe_refused_at_connect_is_a_typed_error_at_once() {
    let server = RedisServer::start().await;
    server
        .acl_setuser(
            "u",
            &[
                "on",
                ">pw",
                "resetchannels",
                "&event-signal-response",
                "+@all",
            ],
        )
        .await;
    let url = format!("redis://u:pw@127.0.0.1:{}", server.port());
    let error = within(state_signals::SignalResponder::builder().url(url).connect())
        .await
        .unwrap_err();
    assert!(error.is_permission_denied(), "{error}");
}

#[tokio::test]
async fn a_publish_in_flight_on_a_blackholed_path_ends_with_the_responder_missing() {
    let server = RedisServer::start().await;
    let proxy = Proxy::start(server.port()).await;
    let responder = within(server.responder().responder_id("stuck").connect())
        .await
        .unwrap();
    spawn_answering(responder, |_| None);
    let exporter = within(server.exporter("bench").options(behind(&proxy)).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let mut wire = server.raw_subscriber("event-signal-pubsub").await;
    let publish = exporter
        .publish_signal("tick")
        .timeout(Duration::from_secs(3));
    let cut = async {
        common::next_json(&mut wire).await;
        proxy.blackhole();
    };
    let (report, ()) =
        within(async { tokio::join!(std::future::IntoFuture::into_future(publish), cut) }).await;
    let report = report.unwrap();
    assert_eq!(report.code, ResultCode::SomeMissing, "{report:?}");
    assert!(report.missing.contains("stuck"), "{report:?}");
}

#[tokio::test]
async fn a_refused_resubscription_is_retried_until_it_is_allowed_again() {
    let server = RedisServer::start().await;
    let both = [
        "on",
        ">pw",
        "resetchannels",
        "&event-signal-pubsub",
        "&event-signal-response",
        "+@all",
    ];
    server.acl_setuser("u", &both).await;
    let url = format!("redis://u:pw@127.0.0.1:{}", server.port());
    let responder = within(
        state_signals::SignalResponder::builder()
            .url(url)
            .responder_id("r")
            .connect(),
    )
    .await
    .unwrap();
    let handle = responder.handle().clone();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(server.exporter("bench").connect()).await.unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();

    // Revoking the signal channel disconnects the responder; its
    // resubscription is refused (NOPERM) until the permission is back.
    server
        .acl_setuser("u", &["resetchannels", "&event-signal-response"])
        .await;
    server
        .wait_numsub_until("event-signal-pubsub", |n| n == 0)
        .await;
    server.acl_setuser("u", &both).await;
    server.wait_numsub("event-signal-pubsub", 1).await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(
        handle.is_subscribed(),
        "it answered, so it is subscribed again"
    );
}

/// A burst of disconnections (Redis killing every subscriber 1,000 times,
/// every 2 ms, as `CLIENT KILL TYPE pubsub` or its pub/sub output-buffer
/// limit does): a connection that drops while it is being opened or
/// resubscribed is never installed, so nobody stays deaf until a health
/// check — here there is none within the test at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_subscriber_stays_deaf_after_a_burst_of_disconnections() {
    let server = RedisServer::start().await;
    // No health check for an hour: only the supervisor's own handling of
    // each drop can bring the subscribers back.
    let options = server
        .options()
        .health_check_interval(Duration::from_secs(3600));
    let mut handles = Vec::new();
    for n in 0..8 {
        let responder = within(
            server
                .responder()
                .options(options.clone())
                .responder_id(format!("r{n}"))
                .connect(),
        )
        .await
        .unwrap();
        handles.push(responder.handle().clone());
        spawn_answering(responder, |_| Some(Reply::success()));
    }
    let exporter = within(server.exporter("bench").options(options).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(8, ["tick"]))
        .await
        .unwrap();

    let mut killer = server.connection().await;
    for _ in 0..1000 {
        let _: redis::RedisResult<u64> = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query_async(&mut killer)
            .await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let last_kill = std::time::Instant::now();
    // Eight responders and the exporter's response subscription.
    server.wait_numsub("event-signal-pubsub", 8).await;
    server.wait_numsub("event-signal-response", 1).await;
    eprintln!(
        "every subscriber back {} ms after the last kill",
        last_kill.elapsed().as_millis()
    );
    within(async {
        while !handles.iter().all(|h| h.is_subscribed()) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}

/// The documented bound on noticing a half-open path — one health-check
/// interval plus one command timeout — holds also when the path dies right
/// after a message arrived (the health check used to be skipped after
/// traffic, so such a path was first probed an interval later). Twenty
/// trials side by side, each cutting at another phase of the health-check
/// cycle; the detection times are printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_path_is_noticed_within_one_interval_and_one_timeout() {
    const TRIALS: usize = 20;
    let interval = Duration::from_secs(2);
    let timeout = Duration::from_millis(500);
    // Room for scheduling on a loaded machine, well under one interval.
    let slack = Duration::from_millis(1000);
    let server = RedisServer::start().await;
    let trials = (0..TRIALS).map(|n| {
        let server = &server;
        async move {
            let proxy = Proxy::start(server.port()).await;
            let namespace = format!("trial-{n}");
            let responder = server
                .responder()
                .options(server.options().namespace(&namespace))
                .connect();
            let responder = within(responder).await.unwrap();
            spawn_answering(responder, |_| Some(Reply::success()));
            let options = ConnectOptions::url(proxy.url())
                .namespace(&namespace)
                .health_check_interval(interval)
                .command_timeout(timeout);
            let exporter = within(server.exporter("bench").options(options).connect())
                .await
                .unwrap();
            within(exporter.initialize_and_wait(1, ["tick"]))
                .await
                .unwrap();
            let mut events = exporter.events();
            // Each trial cuts at another phase of the health-check cycle.
            tokio::time::sleep(interval * n as u32 / TRIALS as u32).await;
            // A message arrives (the answer), then the path dies.
            let report = within(exporter.publish_signal("tick")).await.unwrap();
            assert_eq!(report.code, ResultCode::AllSucceeded);
            proxy.blackhole();
            let cut = std::time::Instant::now();
            next_event(&mut events, |e| matches!(e, ExporterEvent::ConnectionLost)).await;
            cut.elapsed()
        }
    });
    let mut noticed = futures_util::future::join_all(trials).await;
    noticed.sort();
    eprintln!(
        "half-open path noticed after (ms): {:?}",
        noticed.iter().map(Duration::as_millis).collect::<Vec<_>>()
    );
    let bound = interval + timeout;
    let slowest = noticed[TRIALS - 1];
    assert!(
        slowest <= bound + slack,
        "noticed after {slowest:?}, over one interval plus one timeout ({bound:?})"
    );
}
