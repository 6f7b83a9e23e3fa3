//! Reply: a RAS code and an optional message, the answer to one signal.

use crate::protocol::Ras;

/// What a responder answers to a signal: a [`Ras`] and an optional message.
///
/// ```
/// use state_signals::{Ras, Reply};
/// let ok: Reply = Ras::SUCCESS.into();
/// assert!(ok.is_success());
/// let bad = Reply::failure("disk full");
/// assert_eq!(bad.ras(), Some(Ras::FAILURE));
/// assert_eq!(bad.message(), Some("disk full"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    ras: Option<Ras>,
    message: Option<String>,
}

impl Reply {
    /// Ras 1, no message.
    pub fn success() -> Self {
        Ras::SUCCESS.into()
    }

    /// Ras 0 with a message saying why.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::from(Ras::FAILURE).with_message(message)
    }

    /// An answer without a ras: enough to subscribe by answering
    /// `initialization`, but an exporter does not count it as an answer to
    /// any other event.
    pub fn ack() -> Self {
        Self {
            ras: None,
            message: None,
        }
    }

    /// Adds (or replaces) the message.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The ras, if any.
    pub fn ras(&self) -> Option<Ras> {
        self.ras
    }

    /// The message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Whether the ras is 1.
    pub fn is_success(&self) -> bool {
        self.ras.is_some_and(Ras::is_success)
    }

    pub(crate) fn into_parts(self) -> (Option<Ras>, Option<String>) {
        (self.ras, self.message)
    }
}

impl From<Ras> for Reply {
    fn from(ras: Ras) -> Self {
        Self {
            ras: Some(ras),
            message: None,
        }
    }
}

impl From<bool> for Reply {
    /// `true` is [`Reply::success`], `false` ras 0 without a message.
    fn from(ok: bool) -> Self {
        Ras::from(ok).into()
    }
}
