//! Decoding what arrives on a subscribed connection into protocol values.

use redis::{PushInfo, PushKind, Value};

use crate::protocol::{Channels, Response, Signal, parse_capped};
use crate::throttle::Throttle;

/// One decoded push.
#[derive(Debug)]
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

/// Turns pushes into [`Incoming`] values; malformed and oversized payloads
/// are skipped with a warning, at most one per interval with the count.
#[derive(Debug)]
pub(crate) struct Decoder {
    channels: Channels,
    max_payload: usize,
    malformed: Throttle,
}

impl Decoder {
    pub(crate) fn new(channels: Channels, max_payload: usize) -> Self {
        Self {
            channels,
            max_payload,
            malformed: Throttle::default(),
        }
    }

    /// Decodes a push; `None` for what is skipped or of no interest.
    pub(crate) fn decode(&self, push: PushInfo) -> Option<Incoming> {
        match push.kind {
            PushKind::Message => {
                let mut data = push.data.into_iter();
                match (data.next(), data.next()) {
                    (Some(Value::BulkString(channel)), Some(Value::BulkString(payload))) => {
                        self.message(&channel, &payload)
                    }
                    _ => None,
                }
            }
            PushKind::Subscribe => {
                tracing::debug!("subscription confirmed");
                Some(Incoming::Subscribed)
            }
            _ => None,
        }
    }

    /// Decodes a message received on `channel`; `None` when skipped.
    pub(super) fn message(&self, channel: &[u8], payload: &[u8]) -> Option<Incoming> {
        let (what, parsed) = if channel == self.channels.signals().as_bytes() {
            let parsed = parse_capped(payload, self.max_payload).map(Incoming::Signal);
            ("signal", parsed)
        } else if channel == self.channels.responses().as_bytes() {
            let parsed = parse_capped(payload, self.max_payload).map(Incoming::Response);
            ("response", parsed)
        } else {
            return None;
        };
        parsed
            .map_err(|error| {
                if let Some(skipped) = self.malformed.hit() {
                    tracing::warn!(%error, skipped, "skipped malformed {what}s (one line per 10 s at most)");
                }
            })
            .ok()
    }
}
