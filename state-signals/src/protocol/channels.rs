//! The two pub/sub channel names, with an optional namespace.

/// The Redis channels a run uses.
///
/// The defaults are the Python package's exact names: `event-signal-pubsub`
/// for signals and `event-signal-response` for responses. A namespace
/// isolates independent runs on one server (pub/sub channels are global to a
/// server, whatever the database number): `Channels::namespaced("run-7")` uses
/// `run-7:event-signal-pubsub` and `run-7:event-signal-response`. Only peers
/// using the same namespace see each other; the Python package always uses
/// the defaults.
///
/// ```
/// use state_signals::Channels;
/// assert_eq!(Channels::default().signals(), "event-signal-pubsub");
/// assert_eq!(Channels::namespaced("run-7").responses(), "run-7:event-signal-response");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Channels {
    signals: String,
    responses: String,
}

impl Channels {
    /// The channel the Python package publishes signals on.
    pub const DEFAULT_SIGNALS: &'static str = "event-signal-pubsub";
    /// The channel the Python package publishes responses on.
    pub const DEFAULT_RESPONSES: &'static str = "event-signal-response";

    /// The default channel names, prefixed by `<namespace>:`.
    pub fn namespaced(namespace: &str) -> Self {
        Self {
            signals: format!("{namespace}:{}", Self::DEFAULT_SIGNALS),
            responses: format!("{namespace}:{}", Self::DEFAULT_RESPONSES),
        }
    }

    /// The channel signals are published on.
    pub fn signals(&self) -> &str {
        &self.signals
    }

    /// The channel responses are published on.
    pub fn responses(&self) -> &str {
        &self.responses
    }
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            signals: Self::DEFAULT_SIGNALS.to_owned(),
            responses: Self::DEFAULT_RESPONSES.to_owned(),
        }
    }
}
