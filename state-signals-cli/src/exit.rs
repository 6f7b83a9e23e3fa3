//! Exit statuses, and the one-sentence error that goes with them.

use state_signals::{Error, ResultCode};

/// Done: `run`'s publishes all succeeded; `respond` and `listen` ended normally.
pub const SUCCESS: u8 = 0;
/// The awaited subscribers did not arrive in time; nothing was published.
pub const SUBSCRIBERS_TIMEOUT: u8 = 3;
/// Redis could not be reached within the connect timeout.
pub const CANNOT_REACH_REDIS: u8 = 4;
/// Redis failed or stopped answering during the session.
pub const REDIS_FAILED: u8 = 5;
/// Invalid input: metadata, event names, `--events-from` lines, a signal
/// over the payload cap.
pub const INVALID_INPUT: u8 = 6;
/// `respond --idle-timeout`: no signal from a served exporter in time.
pub const IDLE: u8 = 7;
/// A TLS handshake was refused: a certificate not trusted, or refused.
pub const TLS: u8 = 8;
/// The server's ACL refuses a command or channel this command needs.
pub const PERMISSION_DENIED: u8 = 9;
/// The command line could not be parsed.
pub const USAGE: u8 = 64;
/// Interrupted by SIGINT.
pub const SIGINT: u8 = 130;
/// Interrupted by SIGTERM.
pub const SIGTERM: u8 = 143;

/// The exit status of a publish outcome: the Python result code.
pub fn for_code(code: ResultCode) -> u8 {
    code.code() as u8
}

/// An error that ends the command: what to print and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub status: u8,
    pub message: String,
    /// The TLS material at fault (`Error::InvalidTls`), for naming its file.
    pub tls_material: Option<&'static str>,
}

impl Failure {
    pub fn new(status: u8, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            tls_material: None,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let status = match &error {
            _ if error.is_tls() => TLS,
            _ if error.is_permission_denied() => PERMISSION_DENIED,
            Error::Connect { .. } => CANNOT_REACH_REDIS,
            Error::InvalidTarget { .. } | Error::InvalidTls { .. } => USAGE,
            Error::SubscribersTimeout { .. } => SUBSCRIBERS_TIMEOUT,
            Error::IdleTimeout { .. } => IDLE,
            Error::ReservedEvent { .. }
            | Error::IllegalEvent { .. }
            | Error::NoLegalEvents
            | Error::MetadataNotObject { .. }
            | Error::PayloadTooLarge { .. }
            | Error::Malformed { .. } => INVALID_INPUT,
            _ => REDIS_FAILED,
        };
        let mut failure = Self::new(status, error.to_string());
        if let Error::InvalidTls { material, .. } = &error {
            failure.tls_material = Some(material);
        }
        failure
    }
}
