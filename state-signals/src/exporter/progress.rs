//! ExporterEvent: what an exporter observes while it happens.

use crate::protocol::Ras;

/// Something an exporter observed, sent to every receiver of
/// [`SignalExporter::events`](crate::SignalExporter::events) as it happens.
///
/// Receivers that fall more than 4096 events behind miss the oldest ones
/// (tokio's `broadcast` lag).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExporterEvent {
    /// A responder answered `initialization` and joined the subscriber set.
    SubscriberJoined {
        /// The new subscriber's id.
        responder_id: String,
        /// The size of the subscriber set now.
        subscribers: usize,
    },
    /// A subscriber answered the signal being published.
    Answered {
        /// The event being published.
        event: String,
        /// Who answered.
        responder_id: String,
        /// Its Response Action Success code.
        ras: Ras,
        /// How many subscribers have answered this publish so far.
        answered: usize,
        /// How many subscribers this publish waits for.
        expected: usize,
    },
    /// The connection to Redis dropped; it is being re-established.
    ConnectionLost,
    /// The response channel subscription was (re)confirmed by the server.
    Subscribed,
}
