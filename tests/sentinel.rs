//! Sentinel targets: a master, a replica and three Sentinels per test. A
//! killed master and a manual `SENTINEL FAILOVER` are both followed: the
//! publish in flight never reports a success that did not happen, everyone
//! lands on the new master, and the next publish succeeds.

mod common;

use std::time::{Duration, Instant};

use common::sentinel::SentinelSet;
use common::{spawn_answering, within};
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
    let set = SentinelSet::start_with(Some(&pki)).await;
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
