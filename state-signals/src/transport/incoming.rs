//! Decoding what arrives on a subscribed connection into protocol values.

use redis::PushInfo;

use super::Push;
use crate::protocol::{parse_capped, Channels, Response, Signal};

/// One decoded push.
pub(crate) enum Incoming {
    /// A well-formed signal on the signal channel.
    Signal(Signal),
    /// A well-formed response on the response channel.
    Response(Response),
    /// The connection dropped; it is being re-established.
    Disconnected,
    /// A (re)subscription was confirmed.
    Subscribed,
}

/// Decodes a push; malformed and oversized payloads are logged and skipped (`None`).
pub(crate) fn decode(push: PushInfo, channels: &Channels, max_payload: usize) -> Option<Incoming> {
    match Push::from_info(push) {
        Push::Message { channel, payload } => {
            if channel == channels.signals().as_bytes() {
                parse_capped("signal", &payload, max_payload)
                    .map(Incoming::Signal)
                    .map_err(|error| tracing::warn!(%error, "skipped a malformed signal"))
                    .ok()
            } else if channel == channels.responses().as_bytes() {
                parse_capped("response", &payload, max_payload)
                    .map(Incoming::Response)
                    .map_err(|error| tracing::warn!(%error, "skipped a malformed response"))
                    .ok()
            } else {
                None
            }
        }
        Push::Disconnected => {
            tracing::warn!("lost the connection to Redis; reconnecting");
            Some(Incoming::Disconnected)
        }
        Push::Subscribed => {
            tracing::debug!("subscription confirmed");
            Some(Incoming::Subscribed)
        }
        Push::Other => None,
    }
}
