//! `rediss://`: a whole session over TLS, mutual TLS, and a certificate the
//! client does not trust refused at once with a typed error.

use state_signals_test_support as common;

use std::time::{Duration, Instant};

use common::tls::{Pki, TlsServer};
use common::{spawn_answering, within};
use state_signals::{ConnectOptions, Reply, ResultCode, SignalExporter, SignalResponder};

async fn session(options: ConnectOptions) {
    let responder = within(
        SignalResponder::builder()
            .options(options.clone())
            .responder_id("r")
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, |_| Some(Reply::success()));
    let exporter = within(SignalExporter::builder("bench").options(options).connect())
        .await
        .unwrap();
    within(exporter.initialize_and_wait(1, ["tick"]))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("tick")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    within(exporter.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_whole_session_over_tls() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, false).await;
    session(ConnectOptions::url(server.url()).tls_ca_pem(pki.ca_pem.clone())).await;
}

#[tokio::test]
async fn mutual_tls_with_a_client_certificate() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, true).await;
    let options = ConnectOptions::url(server.url())
        .tls_ca_pem(pki.ca_pem.clone())
        .tls_client_pem(pki.client_cert_pem.clone(), pki.client_key_pem.clone());
    session(options).await;
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused_at_once() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, false).await;
    let stranger = Pki::new();
    let started = Instant::now();
    let err = within(
        SignalResponder::builder()
            .options(
                ConnectOptions::url(server.url())
                    .tls_ca_pem(stranger.ca_pem.clone())
                    .connect_timeout(Duration::from_secs(60)),
            )
            .connect(),
    )
    .await
    .unwrap_err();
    assert!(err.is_tls(), "a typed TLS error: {err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "not retried as if the network were down"
    );
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn without_a_client_certificate_mutual_tls_is_refused() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, true).await;
    let err = within(
        SignalResponder::builder()
            .options(
                ConnectOptions::url(server.url())
                    .tls_ca_pem(pki.ca_pem.clone())
                    .connect_timeout(Duration::from_secs(2)),
            )
            .connect(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, state_signals::Error::Connect { .. }), "{err}");
}

/// The Python package over TLS (redis-py 3.5 with `ssl=True`, handed in as
/// `existing_redis_conn`) talks to this crate over TLS, both ways.
#[tokio::test]
async fn interop_with_the_python_package_over_tls() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, false).await;
    let options = ConnectOptions::url(server.url()).tls_ca_pem(pki.ca_pem.clone());
    let ca = pki.path("ca.crt").display().to_string();

    // A Python exporter drives a Rust responder.
    let responder = within(
        SignalResponder::builder()
            .options(options.clone())
            .responder_id("rust-tls")
            .connect(),
    )
    .await
    .unwrap();
    spawn_answering(responder, |_| {
        Some(Reply::success().with_message("over tls"))
    });
    let config = serde_json::json!({
        "port": server.tls_port, "tls_ca": ca, "process": "py-tls", "await": 1,
        "legal": ["start"], "steps": [{"event": "start"}],
    });
    let out = common::Python::spawn("exporter.py", &config).rest().await;
    assert_eq!(out[0]["subs"], serde_json::json!(["rust-tls"]), "{out:?}");
    assert_eq!(
        out[1],
        serde_json::json!({"event": "start", "code": 0, "msgs": {"rust-tls": "over tls"}})
    );

    // A Rust exporter drives a Python responder.
    let mut python = common::Python::spawn(
        "responder.py",
        &serde_json::json!({"port": server.tls_port, "tls_ca": ca, "name": "py-tls"}),
    );
    let id = python.next().await.expect("ready")["ready"]
        .as_str()
        .unwrap()
        .to_owned();
    let exporter = within(
        SignalExporter::builder("rust-tls")
            .options(options)
            .connect(),
    )
    .await
    .unwrap();
    within(exporter.initialize_and_wait(1, ["go"]).periodic(true))
        .await
        .unwrap();
    let report = within(exporter.publish_signal("go")).await.unwrap();
    assert_eq!(report.code, ResultCode::AllSucceeded, "{report:?}");
    assert!(report.answers.contains_key(&id), "{report:?}");
    within(exporter.shutdown()).await.unwrap();
    python.rest().await;
}
