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
