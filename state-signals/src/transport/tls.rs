//! TLS material for `rediss://` targets, and how the `redis` crate takes it.

/// TLS material for `rediss://` targets, in PEM.
#[derive(Clone, Default)]
pub(crate) struct Tls {
    /// CA certificates to trust instead of the system's.
    pub(crate) ca_pem: Option<Vec<u8>>,
    /// A client certificate chain and its key, for mutual TLS.
    pub(crate) client_pem: Option<(Vec<u8>, Vec<u8>)>,
    /// Accept any server certificate.
    pub(crate) insecure: bool,
}

impl Tls {
    /// Checks the material before it is used, so that a mistake is named at
    /// once rather than found in a handshake: CA and client certificates
    /// that hold no certificate, a key that does not parse, a key that does
    /// not match its certificate.
    pub(crate) fn check(&self) -> crate::Result<()> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let invalid =
            |material: &'static str, reason: String| crate::Error::InvalidTls { material, reason };
        let certificates = |material: &'static str, pem: &[u8]| {
            let parsed: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
            match parsed {
                Ok(certs) if certs.is_empty() => {
                    Err(invalid(material, "no PEM certificate in it".to_owned()))
                }
                Ok(certs) => Ok(certs),
                Err(e) => Err(invalid(material, format!("not PEM certificates: {e}"))),
            }
        };
        if let Some(ca) = &self.ca_pem {
            certificates("CA certificates", ca)?;
        }
        if let Some((cert, key)) = &self.client_pem {
            let chain = certificates("client certificate", cert)?;
            let key = PrivateKeyDer::from_pem_slice(key)
                .map_err(|e| invalid("client key", format!("no PEM private key in it: {e}")))?;
            let key = rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| {
                invalid(
                    "client key",
                    format!("not a key this TLS stack can use: {e}"),
                )
            })?;
            let certified = rustls::sign::CertifiedKey::new(chain, key);
            match certified.keys_match() {
                // A key whose public half is unknown cannot be compared.
                Ok(())
                | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
                Err(rustls::Error::InconsistentKeys(_)) => {
                    return Err(invalid(
                        "client key",
                        "it does not match the client certificate".to_owned(),
                    ));
                }
                Err(other) => {
                    return Err(invalid(
                        "client certificate",
                        format!("it cannot be used with its key: {other}"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn is_set(&self) -> bool {
        self.ca_pem.is_some() || self.client_pem.is_some() || self.insecure
    }

    /// The CA and client certificates for the `redis` crate, if any is set.
    pub(crate) fn certificates(&self) -> Option<redis::TlsCertificates> {
        if self.ca_pem.is_none() && self.client_pem.is_none() {
            return None;
        }
        Some(redis::TlsCertificates {
            client_tls: self
                .client_pem
                .as_ref()
                .map(|(cert, key)| redis::ClientTlsConfig {
                    client_cert: cert.clone(),
                    client_key: key.clone(),
                }),
            root_cert: self.ca_pem.clone(),
        })
    }
}

impl std::fmt::Debug for Tls {
    /// Says what is set, never the certificates or the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca", &self.ca_pem.is_some())
            .field("client_certificate", &self.client_pem.is_some())
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// Whether the server at `addr` speaks the other protocol than `addr` says
/// (asked after a first connection failed): a plain `PING` to a `rediss://`
/// address, an unverified TLS connection to a `redis://` one.
pub(crate) async fn mismatch(addr: &redis::ConnectionAddr) -> Option<&'static str> {
    use redis::ConnectionAddr;
    let (other, mismatch) = match addr {
        ConnectionAddr::TcpTls { host, port, .. } => (
            ConnectionAddr::Tcp(host.clone(), *port),
            "the server speaks plain text, not TLS: use a redis:// URL (or its TLS port)",
        ),
        ConnectionAddr::Tcp(host, port) => (
            ConnectionAddr::TcpTls {
                host: host.clone(),
                port: *port,
                insecure: true,
                tls_params: None,
            },
            "the server speaks TLS: use a rediss:// URL with the TLS options",
        ),
        _ => return None,
    };
    let client = redis::Client::open(other).ok()?;
    let probe = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<()>(&mut conn).await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        // A Redis answered, if only to refuse the PING (NOAUTH).
        Ok(Ok(())) => Some(mismatch),
        Ok(Err(e)) if e.code().is_some() => Some(mismatch),
        _ => None,
    }
}
