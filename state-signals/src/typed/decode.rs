//! DecodeError: why a received signal is not a value of the event enum.

/// Why a received signal is not a value of the event enum.
///
/// ```
/// use state_signals::{DecodeError, Signal, SignalEvents};
///
/// #[derive(SignalEvents, Debug)]
/// enum Benchmark {
///     Sample { iteration: u32 },
/// }
///
/// let mut metadata = state_signals::Metadata::new();
/// metadata.insert("iteration".into(), "two".into());
/// let signal = Signal::new("sample").with_metadata(metadata);
/// let error = Benchmark::from_signal(&signal).unwrap_err();
/// assert!(matches!(&error, DecodeError::Field { field, .. } if field == "iteration"));
/// assert!(error.to_string().starts_with("event `sample`: field `iteration`: invalid type"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The signal's event is not a variant of the enum.
    #[non_exhaustive]
    #[error("unknown event `{event}`")]
    UnknownEvent {
        /// The event name received.
        event: String,
    },
    /// The metadata does not hold a field of the variant, or holds it with the wrong type.
    #[non_exhaustive]
    #[error("event `{event}`: field `{field}`: {reason}")]
    Field {
        /// The event name received.
        event: String,
        /// The field's key in `metadata` (as renamed by `#[serde(rename)]`);
        /// a nested field is a dotted path (`settings.block_size`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The metadata as a whole is not what the variant's payload decodes
    /// from (a newtype variant whose payload is not an object, say).
    #[non_exhaustive]
    #[error("event `{event}`: metadata: {reason}")]
    Payload {
        /// The event name received.
        event: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl DecodeError {
    /// An unknown event error for `event`.
    pub fn unknown_event(event: &str) -> Self {
        Self::UnknownEvent {
            event: event.to_owned(),
        }
    }
}
