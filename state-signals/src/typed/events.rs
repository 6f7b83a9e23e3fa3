//! SignalEvents: an enum whose variants are the legal events.

use crate::Result;
use crate::protocol::{Metadata, Signal};
use crate::typed::DecodeError;

/// An enum whose variants are an exporter's legal events; implemented by
/// `#[derive(SignalEvents)]` (see the derive's documentation).
///
/// Unit variants travel without metadata; the fields of a variant with named
/// fields travel as the keys of the signal's `metadata` object, and a
/// newtype variant's payload is that object — serialized by serde, with the
/// fields' `#[serde(...)]` attributes.
pub trait SignalEvents: Sized + Send + 'static {
    /// The wire names of the variants, in declaration order.
    const EVENTS: &'static [&'static str];

    /// This value's wire name.
    fn event_name(&self) -> &'static str;

    /// This value's payload as a `metadata` object; `None` for a unit variant.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`](crate::Error::Malformed) when serde fails, and
    /// [`Error::MetadataNotObject`](crate::Error::MetadataNotObject) when a
    /// newtype's payload is not a JSON object.
    fn to_metadata(&self) -> Result<Option<Metadata>>;

    /// Decodes a received signal: its `event` picks the variant, its
    /// `metadata` fills the fields as `#[derive(Deserialize)]` would (extra
    /// keys ignored, a missing `Option` field is `None`, the fields'
    /// `#[serde(...)]` attributes honoured); no metadata decodes as `{}`.
    fn from_signal(signal: &Signal) -> Result<Self, DecodeError>;

    /// The variant with this wire name, decoded from a signal without
    /// metadata: a unit variant, or a variant whose fields are all `Option`s
    /// (they are `None`). Anything else is a [`DecodeError`].
    fn from_event_name(name: &str) -> Result<Self, DecodeError> {
        Self::from_signal(&Signal::new(name))
    }

    /// This value as the signal an exporter would publish (event and
    /// metadata; the other fields are [`Signal::new`]'s defaults): to feed a
    /// handler in a test (see [`Dispatch::reply_to`](crate::Dispatch::reply_to)).
    ///
    /// # Errors
    ///
    /// Those of [`to_metadata`](Self::to_metadata).
    fn to_signal(&self) -> Result<Signal> {
        let signal = Signal::new(self.event_name());
        Ok(match self.to_metadata()? {
            Some(metadata) => signal.with_metadata(metadata),
            None => signal,
        })
    }

    /// The position of the variant with this wire name in [`EVENTS`](Self::EVENTS).
    fn event_index(name: &str) -> Option<usize> {
        Self::EVENTS.iter().position(|event| *event == name)
    }
}
