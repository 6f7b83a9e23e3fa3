//! Paths used by the code `#[derive(SignalEvents)]` generates. Not public API.

use std::fmt::Display;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::typed::{decode_payload, encode_payload};
/// The serde the generated payload types derive with (`#[serde(crate = …)]`),
/// so that users need not depend on serde themselves.
pub use serde;

/// The compile-time check that a payload type can travel in metadata, by
/// autoref specialization: `(&Probe::<T>::new()).kind()` is a [`Travelling`]
/// when `T` is serde, a [`Stranded`] otherwise, and only the first
/// satisfies [`Travels`], whose message then names `T` and points at the field.
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// A probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// The kind of a serde payload type.
pub struct Travelling;
/// The kind of any other type.
pub struct Stranded;

/// Picked first, when `T` is serde.
pub trait ViaSerde {
    /// [`Travelling`].
    fn kind(&self) -> Travelling {
        Travelling
    }
}
impl<T: Serialize + DeserializeOwned> ViaSerde for Probe<T> {}

/// Picked otherwise (one more autoref away).
pub trait NotSerde {
    /// [`Stranded`].
    fn kind(&self) -> Stranded {
        Stranded
    }
}
impl<T: ?Sized> NotSerde for &Probe<T> {}

/// Only a [`Travelling`] kind travels.
#[diagnostic::on_unimplemented(
    message = "`{T}` must implement `Serialize` and `DeserializeOwned` to travel in metadata",
    label = "the type of this payload field is not `Serialize + DeserializeOwned`",
    note = "derive them (`#[derive(serde::Serialize, serde::Deserialize)]`), or give the field `#[serde(with = \"…\")]`"
)]
pub trait Travels<T: ?Sized> {}
impl<T: ?Sized> Travels<T> for Travelling {}

/// Compiles only when `kind` is [`Travelling`].
pub fn require<T: ?Sized, K: Travels<T>>(_probe: &Probe<T>, _kind: K) {}

/// The failure answer to a handler's `Err`: its `Display`, with the chain
/// of causes for error types that print them with `{:#}` (anyhow).
pub fn error_reply<E: Display + ?Sized>(error: &E) -> crate::Reply {
    tracing::warn!(error = %format_args!("{error:#}"), "handler returned an error");
    crate::Reply::failure(format!("{error:#}"))
}

/// The default answer to an event the enum does not know.
pub fn unknown_event_reply(signal: &crate::Signal) -> crate::Reply {
    crate::Reply::failure(format!(
        "unknown event `{}`: this responder does not handle it",
        signal.event
    ))
}

/// The default answer to a payload that does not decode.
pub fn decode_error_reply(error: crate::DecodeError) -> crate::Reply {
    crate::Reply::failure(error.to_string())
}
