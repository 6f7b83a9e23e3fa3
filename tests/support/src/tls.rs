//! Certificates made by the test (rcgen): a CA, a server certificate for
//! 127.0.0.1 and a client certificate, and a `redis-server` with TLS.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

use super::{RedisServer, free_port};

/// A CA and the certificates it signed, as PEM strings and files.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl Pki {
    /// A new CA with a server certificate for `127.0.0.1` / `localhost` and
    /// a client certificate.
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "state-signals test CA");
        let ca = ca_params.self_signed(&ca_key).expect("a CA certificate");

        let server_key = KeyPair::generate().expect("a server key");
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server params")
            .signed_by(&server_key, &ca, &ca_key)
            .expect("a server certificate");
        let client_key = KeyPair::generate().expect("a client key");
        let mut client_params =
            CertificateParams::new(Vec::<String>::new()).expect("client params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "state-signals test client");
        let client = client_params
            .signed_by(&client_key, &ca, &ca_key)
            .expect("a client certificate");

        let dir = tempfile::tempdir().expect("a temp dir");
        let write = |name: &str, text: &str| {
            std::fs::write(dir.path().join(name), text).expect("write a PEM file");
        };
        write("ca.crt", &ca.pem());
        write("server.crt", &server.pem());
        write("server.key", &server_key.serialize_pem());
        write("client.crt", &client.pem());
        write("client.key", &client_key.serialize_pem());
        Self {
            ca_pem: ca.pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `redis-server` arguments to serve TLS on `tls_port` with this PKI's
    /// server certificate; `client_certificates`: whether clients must
    /// present one (signed by this CA).
    pub fn server_args(&self, tls_port: u16, client_certificates: bool) -> Vec<String> {
        let file = |name: &str| path_arg(&self.path(name));
        vec![
            "--tls-port".to_owned(),
            tls_port.to_string(),
            "--tls-cert-file".to_owned(),
            file("server.crt"),
            "--tls-key-file".to_owned(),
            file("server.key"),
            "--tls-ca-cert-file".to_owned(),
            file("ca.crt"),
            "--tls-auth-clients".to_owned(),
            if client_certificates { "yes" } else { "no" }.to_owned(),
        ]
    }
}

/// A `redis-server` serving TLS on its own port (its plain port is only for
/// the harness's own probe).
pub struct TlsServer {
    pub server: RedisServer,
    pub tls_port: u16,
}

impl TlsServer {
    /// `client_certificates`: whether the server requires them (mutual TLS).
    pub async fn start(pki: &Pki, client_certificates: bool) -> Self {
        let tls_port = free_port();
        let args = pki.server_args(tls_port, client_certificates);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = RedisServer::start_with(&args).await;
        Self { server, tls_port }
    }

    /// `rediss://127.0.0.1:<tls port>`.
    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.tls_port)
    }
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}
