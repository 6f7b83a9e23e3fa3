//! Intake: what the connection does with each signal as it arrives — the
//! filters that decide whether it can ever be acted on, then a bounded queue.
//!
//! Everything here runs on the task that reads the socket, so a signal that
//! is filtered out or does not fit costs nothing after it was parsed.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use crate::protocol::Escaped;
use crate::protocol::{Locks, Signal};
use crate::queue::{Bounded, Overflow};

/// The default number of ordinary signals a responder queues while its
/// reader is busy.
pub(crate) const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// Room kept beyond the capacity for `initialization` and `shutdown`
/// signals, so that a flood of ordinary signals never pushes them out.
const CONTROL_RESERVE: usize = 64;

/// How many declined exporters are remembered (their hook is not asked
/// again); past this the memory is cleared and starts over.
const DECLINED_MEMORY: usize = 4096;

/// The filters and the bounded queue of one responder.
#[derive(Debug)]
pub(crate) struct Intake {
    gate: Mutex<Gate>,
    queue: Bounded<Signal>,
    /// Signals that could never be acted on (locks, exporters not served).
    filtered: AtomicU64,
}

/// What decides whether a signal can be acted on.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    pub(crate) locks: Locks,
    /// Set while the serve loop runs.
    pub(crate) serve: Option<ServeGate>,
}

/// The serve loop's view of exporters.
#[derive(Debug, Default)]
pub(crate) struct ServeGate {
    pub(crate) process_name: Option<String>,
    /// Exporters whose `initialization` was accepted, until their `shutdown`.
    pub(crate) served: HashSet<String>,
    /// Exporters whose `initialization` is queued but not decided yet.
    pub(crate) pending: HashSet<String>,
    /// Exporters refused by the process-name filter or the subscribe hook.
    pub(crate) declined: HashSet<String>,
}

/// What the serve loop does with a signal: decided by
/// [`ServeGate::step`], once for each signal as it arrives (to drop at
/// once what will never be acted on) and again as it is read (the served
/// set may have changed meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A served exporter's republished `initialization`: answer it again.
    Ack,
    /// A new exporter's `initialization`: ask the hook.
    Decide,
    /// A served exporter's `shutdown`.
    Shutdown,
    /// A served exporter's other signal.
    Handle,
    /// Not for us (an exporter not served, declined or of another process).
    Skip,
}

impl ServeGate {
    pub(crate) fn new(process_name: Option<String>) -> Self {
        Self {
            process_name,
            ..Self::default()
        }
    }

    /// Whether the process-name filter lets this exporter's process through.
    pub(crate) fn wants_process(&self, process_name: &str) -> bool {
        self.process_name
            .as_deref()
            .is_none_or(|wanted| wanted == process_name)
    }

    /// What to do with `signal`. Exporters whose `initialization` waits in
    /// the queue count as served for their later signals: they are read
    /// after it, once it is decided.
    pub(crate) fn step(&self, signal: &Signal) -> Step {
        let pid = &signal.publisher_id;
        if signal.is_initialization() {
            if self.served.contains(pid) {
                Step::Ack
            } else if self.declined.contains(pid) || !self.wants_process(&signal.process_name) {
                Step::Skip
            } else {
                Step::Decide
            }
        } else if !(self.served.contains(pid) || self.pending.contains(pid)) {
            Step::Skip
        } else if signal.is_shutdown() {
            Step::Shutdown
        } else {
            Step::Handle
        }
    }

    /// Records the decision about an exporter whose `initialization` was read.
    pub(crate) fn decide(&mut self, publisher_id: &str, serve: bool) {
        self.pending.remove(publisher_id);
        if serve {
            self.served.insert(publisher_id.to_owned());
        } else {
            if self.declined.len() >= DECLINED_MEMORY {
                self.declined.clear();
            }
            self.declined.insert(publisher_id.to_owned());
        }
    }
}

impl Intake {
    /// An intake with room for `capacity` ordinary signals (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            gate: Mutex::default(),
            queue: Bounded::new("signal", capacity, CONTROL_RESERVE, Overflow::DropOldest),
            filtered: AtomicU64::new(0),
        }
    }

    /// Locks the gate; a poisoned lock is taken over (no code panics under it).
    pub(crate) fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Filters `signal` and queues it if it passes. When the queue is full
    /// the oldest signal of the same kind (ordinary, or `initialization` /
    /// `shutdown`) makes room.
    pub(crate) fn offer(&self, signal: Signal) {
        let mut gate = self.gate();
        let step = if gate.locks.admit(&signal) {
            gate.serve.as_ref().map(|serve| serve.step(&signal))
        } else {
            Some(Step::Skip)
        };
        if step == Some(Step::Skip) {
            drop(gate);
            self.count_filtered(&signal);
            return;
        }
        if step == Some(Step::Decide)
            && let Some(serve) = gate.serve.as_mut()
        {
            serve.pending.insert(signal.publisher_id.clone());
        }
        drop(gate);
        crate::metrics::received();
        let control = signal.is_initialization() || signal.is_shutdown();
        let dropped = self.queue.push(signal, control);
        // A dropped `initialization` leaves no undecided exporter behind.
        if let Some(dropped) = dropped
            && dropped.is_initialization()
            && let Some(serve) = self.gate().serve.as_mut()
        {
            serve.pending.remove(&dropped.publisher_id);
        }
    }

    /// The next queued signal, for the one reader; `None` once the
    /// responder's handle is gone and the queue is empty.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Option<Signal>> {
        self.queue.poll_pop(cx)
    }

    /// The reader is gone: empties the queue and stops filling it.
    pub(crate) fn close(&self) {
        self.queue.close();
    }

    /// The responder's handle is gone: the reader gets what is queued, then
    /// the end.
    pub(crate) fn end(&self) {
        self.queue.end();
    }

    /// How many signals wait in the queue.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Counts a signal that will never be acted on.
    pub(crate) fn count_filtered(&self, signal: &Signal) {
        self.filtered.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(publisher_id = %Escaped(&signal.publisher_id), tag = %Escaped(&signal.tag), event = %Escaped(&signal.event), "signal filtered out");
    }

    /// Signals dropped because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// Signals filtered out by locks or because their exporter is not served.
    pub(crate) fn filtered(&self) -> u64 {
        self.filtered.load(Ordering::Relaxed)
    }
}
