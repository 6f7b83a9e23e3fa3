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

/// Set in the child processes of
/// [`an_applications_own_crypto_provider_is_kept`]: which order to try.
const PROVIDER_ORDER: &str = "STATE_SIGNALS_TEST_PROVIDER_ORDER";

/// The application's own provider: ring with one cipher suite, so that it
/// can be told from the default rustls would install.
fn own_provider() -> rustls::crypto::CryptoProvider {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.truncate(1);
    provider
}

fn is_own(provider: &rustls::crypto::CryptoProvider) -> bool {
    provider.cipher_suites.len() == 1
}

/// The library leaves rustls' process-wide default provider alone: an
/// application that installed its own before connecting over TLS keeps
/// it, and a plain `redis://` connection installs none, so an application
/// may install its own afterwards. (The library used to install ring as
/// the default on its first connection, plain ones too.) The process
/// default is global, so each order runs in a process of its own: this
/// test binary, run again with [`PROVIDER_ORDER`] set.
#[tokio::test]
async fn an_applications_own_crypto_provider_is_kept() {
    if let Ok(order) = std::env::var(PROVIDER_ORDER) {
        return provider_child(&order).await;
    }
    let pki = Pki::new();
    let server = TlsServer::start(&pki, false).await;
    for order in ["installed-first", "installed-after-plain"] {
        let child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "tls::an_applications_own_crypto_provider_is_kept",
                "--nocapture",
            ])
            .env(PROVIDER_ORDER, order)
            .env("TLS_URL", server.url())
            .env("PLAIN_URL", server.server.url())
            .env("CA_FILE", pki.path("ca.crt"))
            .output();
        let out = within(child).await.unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{order}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

async fn provider_child(order: &str) {
    use rustls::crypto::CryptoProvider;
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} unset"));
    match order {
        "installed-first" => {
            own_provider().install_default().unwrap();
            let ca = std::fs::read(var("CA_FILE")).unwrap();
            session(ConnectOptions::url(var("TLS_URL")).tls_ca_pem(ca)).await;
            let default = CryptoProvider::get_default().expect("a default");
            assert!(is_own(default), "the application's provider was replaced");
        }
        "installed-after-plain" => {
            session(ConnectOptions::url(var("PLAIN_URL"))).await;
            assert!(
                CryptoProvider::get_default().is_none(),
                "a plain connection installed a default provider"
            );
            own_provider().install_default().unwrap();
        }
        other => panic!("unknown order {other}"),
    }
}
