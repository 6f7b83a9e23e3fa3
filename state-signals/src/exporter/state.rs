//! The exporter's shared state: the subscriber set and the publish in flight,
//! fed by the connection as responses arrive.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::{broadcast, oneshot, watch};

use super::ExporterEvent;
use super::report::{Answer, PublishReport};
use crate::protocol::Escaped;
use crate::protocol::{Channels, INITIALIZATION, Response};
use crate::throttle::Throttle;
use crate::transport::Incoming;

/// State shared by a `SignalExporter` and its connection's push handler.
pub(crate) struct Shared {
    pub(crate) publisher_id: String,
    pub(crate) channels: Channels,
    state: Mutex<State>,
    /// The size of the subscriber set, for waiters.
    pub(crate) subscriber_count: watch::Sender<usize>,
    pub(crate) events: broadcast::Sender<ExporterEvent>,
    /// Late answers ignored so far.
    stale: std::sync::atomic::AtomicU64,
    /// Evict a subscriber after this many consecutive missed answers.
    pub(crate) evict_after: Option<u32>,
    /// Answers from outside the subscriber set, logged once per interval.
    outsider_warnings: Throttle,
    /// Second answers under one responder id, logged once per interval.
    duplicate_warnings: Throttle,
}

#[derive(Default)]
pub(crate) struct State {
    /// `initialize` was called and `shutdown` was not.
    pub(crate) accepting: bool,
    pub(crate) legal_events: Vec<String>,
    pub(crate) subscribers: BTreeSet<String>,
    /// The publish in flight, if any.
    pub(crate) round: Option<Round>,
    /// Consecutive publishes each subscriber did not answer.
    pub(crate) misses: BTreeMap<String, u32>,
}

/// One publish waiting for its answers.
pub(crate) struct Round {
    pub(crate) event: String,
    /// The signal's `sample_no` and `tag`: an answer that names others is
    /// a late answer to an earlier signal.
    pub(crate) sample_no: i64,
    pub(crate) tag: String,
    /// Subscribers that have not answered yet; with `answers`, the whole set.
    pub(crate) waiting: BTreeSet<String>,
    pub(crate) answers: BTreeMap<String, Answer>,
    /// Answers from responders outside the subscriber set: the first of
    /// each id, at most `PublishReport::OUTSIDERS_KEPT` of them, messages cut.
    pub(crate) outsiders: BTreeMap<String, Answer>,
    /// Every answer from outside the subscriber set, kept or not.
    pub(crate) outsiders_seen: u64,
    /// When the signal was published: answers' latencies count from here.
    pub(crate) published: tokio::time::Instant,
    /// Fired when `waiting` becomes empty.
    pub(crate) done: Option<oneshot::Sender<()>>,
}

impl Shared {
    pub(crate) fn new(publisher_id: String, channels: Channels, evict_after: Option<u32>) -> Self {
        Self {
            publisher_id,
            channels,
            state: Mutex::new(State::default()),
            subscriber_count: watch::Sender::new(0),
            events: broadcast::Sender::new(super::progress::EVENTS_CAPACITY),
            stale: std::sync::atomic::AtomicU64::new(0),
            evict_after,
            outsider_warnings: Throttle::default(),
            duplicate_warnings: Throttle::default(),
        }
    }

    /// Locks the state; a poisoned lock is taken over (no code panics under it).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(&self, event: impl FnOnce() -> ExporterEvent) {
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(event());
        }
    }

    /// Adds subscribers and publishes the new count.
    pub(crate) fn add_subscribers(&self, ids: impl IntoIterator<Item = String>) {
        let mut state = self.lock();
        self.add_locked(&mut state, ids);
    }

    /// Adds subscribers under the caller's lock (so that a decision taken
    /// under it, such as "still accepting", holds for the insertion too).
    fn add_locked(&self, state: &mut State, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            if state.subscribers.insert(id.clone()) {
                let subscribers = state.subscribers.len();
                tracing::info!(responder_id = %Escaped(&id), subscribers, "subscriber joined");
                self.emit(|| ExporterEvent::SubscriberJoined {
                    responder_id: id,
                    subscribers,
                });
            } else {
                tracing::debug!(responder_id = %Escaped(&id), "repeated initialization answer; already subscribed");
            }
        }
        // Waiters wake only when the count changed (not on repeated answers).
        let count = state.subscribers.len();
        self.subscriber_count
            .send_if_modified(|n| std::mem::replace(n, count) != count);
    }

    /// `shutdown`: stops accepting subscribers, clears the set, and ends a
    /// publish in flight at once (its report names who had not answered
    /// as missing) — all under one lock.
    pub(crate) fn stop_accepting(&self) {
        let mut state = self.lock();
        state.accepting = false;
        state.legal_events.clear();
        state.subscribers.clear();
        self.subscriber_count.send_replace(0);
        if let Some(done) = state.round.as_mut().and_then(|round| round.done.take()) {
            let _ = done.send(());
        }
    }

    /// Adds a subscriber; whether it was new.
    pub(crate) fn add_subscriber(&self, responder_id: String) -> bool {
        let mut state = self.lock();
        let new = !state.subscribers.contains(&responder_id);
        self.add_locked(&mut state, [responder_id]);
        new
    }

    /// Removes a subscriber; whether it was one.
    pub(crate) fn remove_subscriber(&self, responder_id: &str) -> bool {
        let mut state = self.lock();
        state.misses.remove(responder_id);
        let removed = state.subscribers.remove(responder_id);
        if removed {
            let count = state.subscribers.len();
            self.subscriber_count.send_replace(count);
        }
        removed
    }

    /// Counts who answered and who did not at the end of a publish; returns
    /// the subscribers evicted for missing too many in a row.
    pub(crate) fn tally(
        &self,
        answered: impl IntoIterator<Item = String>,
        missing: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let mut state = self.lock();
        for id in answered {
            state.misses.remove(&id);
        }
        let mut evicted = BTreeSet::new();
        for id in missing {
            let misses = state.misses.entry(id.clone()).or_insert(0);
            *misses += 1;
            let misses = *misses;
            if self.evict_after.is_some_and(|limit| misses >= limit) && state.subscribers.remove(id)
            {
                state.misses.remove(id);
                tracing::warn!(responder_id = %Escaped(id), misses, "subscriber evicted: it missed too many answers in a row");
                let subscribers = state.subscribers.len();
                self.emit(|| ExporterEvent::SubscriberEvicted {
                    responder_id: id.clone(),
                    subscribers,
                });
                evicted.insert(id.clone());
            }
        }
        if !evicted.is_empty() {
            let count = state.subscribers.len();
            self.subscriber_count.send_replace(count);
        }
        evicted
    }

    /// Handles one Response addressed to anybody.
    fn on_response(&self, response: Response) {
        if response.publisher_id != self.publisher_id {
            tracing::trace!(publisher_id = %Escaped(&response.publisher_id), "response for another exporter");
            return;
        }
        if response.event == INITIALIZATION {
            let mut state = self.lock();
            if state.accepting {
                self.add_locked(&mut state, [response.responder_id]);
            } else {
                tracing::debug!(responder_id = %Escaped(&response.responder_id), "initialization answer while not accepting subscribers; ignored");
            }
            return;
        }
        let Some(ras) = response.ras else {
            tracing::debug!(responder_id = %Escaped(&response.responder_id), event = %Escaped(&response.event), "response without ras; ignored");
            return;
        };
        let mut state = self.lock();
        let Some(round) = state.round.as_mut().filter(|r| r.event == response.event) else {
            tracing::debug!(responder_id = %Escaped(&response.responder_id), event = %Escaped(&response.event), "response for an event not being published; ignored");
            return;
        };
        let stale = response.sample_no.is_some_and(|s| s != round.sample_no)
            || response.tag.as_ref().is_some_and(|t| *t != round.tag);
        if stale {
            crate::metrics::ignored_answer("late");
            let stale = self
                .stale
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            tracing::debug!(
                responder_id = %Escaped(&response.responder_id),
                event = %Escaped(&round.event),
                answered_sample = ?response.sample_no,
                answered_tag = ?response.tag,
                stale,
                "answer to another signal of this event (a late answer); ignored"
            );
            return;
        }
        let id = response.responder_id;
        if round.waiting.remove(&id) {
            if ras.is_success() {
                tracing::debug!(responder_id = %Escaped(&id), event = %Escaped(&round.event), "answered");
            } else {
                tracing::warn!(responder_id = %Escaped(&id), event = %Escaped(&round.event), %ras, message = ?response.message.as_deref().map(Escaped), "subscriber failed");
            }
            round.answers.insert(
                id.clone(),
                Answer {
                    ras,
                    message: response.message,
                    latency: round.published.elapsed(),
                    traceparent: response.traceparent,
                },
            );
            let answered = round.answers.len();
            let expected = answered + round.waiting.len();
            self.emit(|| ExporterEvent::Answered {
                event: round.event.clone(),
                responder_id: id,
                ras,
                answered,
                expected,
            });
            if round.waiting.is_empty()
                && let Some(done) = round.done.take()
            {
                let _ = done.send(());
            }
        } else if round.answers.contains_key(&id) {
            if let Some(since_last) = self.duplicate_warnings.hit() {
                tracing::warn!(responder_id = %Escaped(&id), event = %Escaped(&round.event), since_last, "two answers from one responder id to one signal: do two responders share this id? The first was counted (one line per 10 s at most)");
            }
        } else {
            round.outsiders_seen += 1;
            crate::metrics::ignored_answer("outsider");
            if let Some(since_last) = self.outsider_warnings.hit() {
                tracing::warn!(responder_id = %Escaped(&id), event = %Escaped(&round.event), %ras, since_last, "answers from responders that are not subscribers; not counted (one line per 10 s at most)");
            }
            if round.outsiders.len() < PublishReport::OUTSIDERS_KEPT
                && !round.outsiders.contains_key(&id)
            {
                let message = response.message.map(cut_message);
                let latency = round.published.elapsed();
                round.outsiders.insert(
                    id,
                    Answer {
                        ras,
                        message,
                        latency,
                        // An outsider's span is not linked to.
                        traceparent: None,
                    },
                );
            }
        }
    }
}

impl Shared {
    /// Handles what the connection received, on the task that reads it.
    pub(crate) fn on_incoming(&self, incoming: Incoming) {
        match incoming {
            Incoming::Response(response) => self.on_response(response),
            Incoming::Disconnected => self.emit(|| ExporterEvent::ConnectionLost),
            Incoming::Subscribed => self.emit(|| ExporterEvent::Subscribed),
            Incoming::Signal(_) => {}
        }
    }
}

/// An outsider's message cut to `PublishReport::OUTSIDER_MESSAGE_KEPT`
/// bytes, at a character boundary.
fn cut_message(mut message: String) -> String {
    let mut end = PublishReport::OUTSIDER_MESSAGE_KEPT.min(message.len());
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message
}
