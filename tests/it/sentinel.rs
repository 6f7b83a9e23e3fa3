//! Sentinel targets: a master, a replica and three Sentinels per test. A
//! killed master and a manual `SENTINEL FAILOVER` are both followed: the
//! publish in flight never reports a success that did not happen, everyone
//! lands on the new master, and the next publish succeeds.

use state_signals_test_support as common;

use std::time::{Duration, Instant};

use common::sentinel::{SentinelSet, Spec};
use common::{next_event, short_liveness, spawn_answering, within};
use futures_util::StreamExt;
use state_signals::{
    Channels, ConnectOptions, ExporterEvent, Reply, ResultCode, SignalExporter, SignalResponder,
};

/// A responder answering with success and an initialized exporter, both
/// connected with `options`.
async fn session(options: ConnectOptions) -> SignalExporter {
    let responder = within(
        SignalResponder::builder()
            .options(options.clone())
            .responder_id("r1")
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(
        SignalExporter::builder("failover")
            .options(options)
            .connect(),
    )
    .await
    .unwrap();
    within(exporter.initialize_and_wait(1, ["start"]))
        .await
        .unwrap();
    exporter
}

/// The test server listening on `port`.
fn server_on(set: &SentinelSet, port: u16) -> usize {
    set.servers
        .iter()
        .position(|s| s.port() == port)
        .expect("one of ours")
}

/// After a failover from `old`: the exporter lost its connection and
/// resubscribed (on a master: a demoted one is refused), the responder is
/// subscribed on the new master, and the next publish succeeds.
async fn recovered(
    set: &SentinelSet,
    exporter: &SignalExporter,
    events: &mut state_signals::ExporterEvents,
    old: u16,
) {
    set.wait_master_moved_from(old).await;
    let new = server_on(set, set.master_port().await);
    let failover = Duration::from_secs(30);
    tokio::time::timeout(failover, async {
        while !matches!(events.next().await, Some(ExporterEvent::ConnectionLost)) {}
        while !matches!(events.next().await, Some(ExporterEvent::Subscribed)) {}
    })
    .await
    .expect("the exporter reconnected within 30 s");
    let channel = Channels::default().signals().to_owned();
    tokio::time::timeout(
        failover,
        set.servers[new].wait_numsub_until(&channel, |n| n >= 1),
    )
    .await
    .expect("the responder resubscribed on the new master within 30 s");
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}

#[tokio::test]
async fn a_killed_master_is_followed() {
    let mut set = SentinelSet::start().await;
    let exporter = session(set.options().command_timeout(Duration::from_secs(1))).await;
    let mut events = exporter.events();
    let old = set.master_port().await;
    let killed_at = Instant::now();
    let master = server_on(&set, old);
    set.servers[master].stop();
    // The publish in flight: no success that did not happen, no hang.
    match within(
        exporter
            .publish_signal("start")
            .timeout(Duration::from_secs(1)),
    )
    .await
    {
        Ok(report) => assert_ne!(report.code, ResultCode::AllSucceeded, "{report:?}"),
        Err(error) => assert!(
            error.is_timeout()
                || error.is_connection_refused()
                || error.to_string().contains("Redis"),
            "{error}"
        ),
    }
    recovered(&set, &exporter, &mut events, old).await;
    eprintln!(
        "failover recovered: a publish succeeded {} ms after the master was killed",
        killed_at.elapsed().as_millis()
    );
}

#[tokio::test]
async fn a_manual_failover_is_followed() {
    let set = SentinelSet::start().await;
    let exporter = session(set.options().command_timeout(Duration::from_secs(1))).await;
    let mut events = exporter.events();
    let old = set.master_port().await;
    set.manual_failover().await;
    recovered(&set, &exporter, &mut events, old).await;
    // The demoted master is a replica now, and nobody of ours listens there.
    let old = server_on(&set, old);
    assert_eq!(
        set.servers[old].numsub(Channels::default().signals()).await,
        0
    );
}

#[tokio::test]
async fn a_tls_master_is_reached_through_the_sentinels() {
    let pki = common::tls::Pki::new();
    let set = SentinelSet::start_spec(Spec {
        pki: Some(&pki),
        ..Spec::default()
    })
    .await;
    // The Sentinels name the master's TLS port: only a TLS client gets in.
    let options = set.options().tls_ca_pem(pki.ca_pem.clone().into_bytes());
    let exporter = session(options).await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(
        format!("{exporter:?}").contains("via sentinels"),
        "{exporter:?}"
    );
}

/// `rediss://` Sentinels behind a private CA: the TLS options apply to the
/// Sentinels as to the master (the Sentinel query was a plain client that
/// trusted the system's CAs only, and never got through).
#[tokio::test]
async fn tls_sentinels_behind_a_private_ca_use_the_tls_options() {
    let pki = common::tls::Pki::new();
    let set = SentinelSet::start_spec(Spec {
        pki: Some(&pki),
        tls_sentinels: true,
        ..Spec::default()
    })
    .await;
    assert!(set.urls().iter().all(|url| url.starts_with("rediss://")));
    let options = set.options().tls_ca_pem(pki.ca_pem.clone().into_bytes());
    let exporter = session(options).await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}

#[tokio::test]
async fn the_master_password_and_user_are_used_and_kept_secret() {
    let set = SentinelSet::start_spec(Spec {
        password: Some("s3cr#t/pw"),
        down_after_ms: Some(60_000),
        ..Spec::default()
    })
    .await;
    // Without the master's password: refused at once (not retried until
    // the connect timeout), as a typed authentication failure.
    let refused = within(SignalResponder::builder().options(set.options()).connect())
        .await
        .unwrap_err();
    assert!(refused.is_auth_failed(), "{refused}");

    // An ACL user on the master (no failover happens in this test: the
    // replica does not need it).
    let master = server_on(&set, set.master_port().await);
    let mut admin = {
        let port = set.servers[master].port();
        let url = format!("redis://:s3cr%23t%2Fpw@127.0.0.1:{port}");
        let client = redis::Client::open(url).unwrap();
        within(client.get_multiplexed_async_connection())
            .await
            .unwrap()
    };
    let mut setuser = redis::cmd("ACL");
    setuser.arg(&["SETUSER", "app", "on", ">app#pw", "~*", "&*", "+@all"]);
    within(setuser.query_async::<()>(&mut admin)).await.unwrap();

    let wrong = ConnectOptions::sentinel(set.master().user("app").password("nope"));
    let refused = within(SignalResponder::builder().options(wrong).connect())
        .await
        .unwrap_err();
    assert!(refused.is_auth_failed(), "{refused}");
    assert!(!refused.to_string().contains("nope"), "{refused}");

    let options = ConnectOptions::sentinel(set.master().user("app").password("app#pw"));
    assert!(!format!("{options:?}").contains("app#pw"), "{options:?}");
    let exporter = session(options).await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(!format!("{exporter:?}").contains("app#pw"), "{exporter:?}");
    let mut clients = redis::cmd("CLIENT");
    clients.arg("LIST");
    let list: String = within(clients.query_async(&mut admin)).await.unwrap();
    assert!(
        list.contains("user=app"),
        "logged in as the ACL user: {list}"
    );
}

#[tokio::test]
async fn a_half_open_path_to_the_master_is_detected_and_everyone_is_back() {
    // No failover in this test: the master stays the master.
    let set = SentinelSet::start_spec(Spec {
        proxied: true,
        down_after_ms: Some(60_000),
        ..Spec::default()
    })
    .await;
    let exporter = session(short_liveness(set.options())).await;
    let mut events = exporter.events();
    let master = &set.servers[0];
    let channels = Channels::default();
    let signals = channels.signals();
    master.wait_numsub(signals, 1).await;
    // Every live connection through the proxy goes half-open: the master
    // sees its clients go, the clients see nothing.
    set.proxy.as_ref().expect("a proxy").blackhole();
    master.wait_numsub_until(signals, |n| n == 0).await;
    next_event(&mut events, |e| matches!(e, ExporterEvent::ConnectionLost)).await;
    next_event(&mut events, |e| matches!(e, ExporterEvent::Subscribed)).await;
    master.wait_numsub(signals, 1).await;
    let report = within(exporter.publish_signal("start")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
}
