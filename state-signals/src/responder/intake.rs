//! Intake: what the connection does with each signal as it arrives — the
//! filters that decide whether it can ever be acted on, then a bounded queue.
//!
//! Everything here runs on the task that reads the socket, so a signal that
//! is filtered out or does not fit costs nothing after it was parsed.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::protocol::Escaped;
use crate::protocol::{Locks, Signal};
use crate::throttle::Throttle;

/// The default number of ordinary signals a responder queues while its
/// reader is busy.
pub(crate) const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// Room kept beyond the capacity for `initialization` and `shutdown`
/// signals, so that a flood of ordinary signals never pushes them out.
const CONTROL_RESERVE: usize = 64;

/// How many declined exporters are remembered (their hook is not asked
/// again); past this the memory is cleared and starts over.
const DECLINED_MEMORY: usize = 4096;

/// One queued signal.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) signal: Signal,
    /// Not an `initialization` or `shutdown`: counted against the capacity.
    pub(crate) ordinary: bool,
}

/// The filters and the bounded queue of one responder.
#[derive(Debug)]
pub(crate) struct Intake {
    gate: Mutex<Gate>,
    queue: Mutex<Queue>,
    capacity: usize,
    /// Signals that could never be acted on (locks, exporters not served).
    filtered: AtomicU64,
    /// Signals dropped because the queue was full.
    overflow: Throttle,
}

/// The queue itself, read by the one [`Signals`](super::Signals) stream.
#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Queued>,
    /// Ordinary signals in `items`.
    ordinary: usize,
    /// The reader waiting for a signal.
    waker: Option<Waker>,
    /// The reader is gone: nothing is queued any more.
    closed: bool,
}

impl Queue {
    /// Removes and returns the oldest queued signal of this kind.
    fn drop_oldest(&mut self, ordinary: bool) -> Option<Signal> {
        let at = self.items.iter().position(|q| q.ordinary == ordinary)?;
        let dropped = self.items.remove(at)?;
        self.ordinary -= usize::from(ordinary);
        Some(dropped.signal)
    }
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

/// Whether a signal is queued.
enum Verdict {
    Drop,
    Queue {
        /// `initialization` or `shutdown`: takes reserved room.
        control: bool,
        /// An `initialization` of an exporter not yet decided.
        new_exporter: bool,
    },
}

impl Gate {
    fn admit(&self, signal: &Signal) -> Verdict {
        if !self.locks.admit(signal) {
            return Verdict::Drop;
        }
        let control = signal.is_initialization() || signal.is_shutdown();
        let Some(serve) = &self.serve else {
            return Verdict::Queue {
                control,
                new_exporter: false,
            };
        };
        let pid = &signal.publisher_id;
        let known = serve.served.contains(pid) || serve.pending.contains(pid);
        if signal.is_initialization() {
            if known {
                return Verdict::Queue {
                    control,
                    new_exporter: false,
                };
            }
            if serve.declined.contains(pid) || !serve.wants_process(&signal.process_name) {
                return Verdict::Drop;
            }
            return Verdict::Queue {
                control,
                new_exporter: true,
            };
        }
        if known {
            Verdict::Queue {
                control,
                new_exporter: false,
            }
        } else {
            Verdict::Drop
        }
    }
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
            queue: Mutex::default(),
            capacity: capacity.max(1),
            filtered: AtomicU64::new(0),
            overflow: Throttle::default(),
        }
    }

    /// Locks the gate; a poisoned lock is taken over (no code panics under it).
    pub(crate) fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Filters `signal` and queues it if it passes. When the queue is full
    /// the oldest signal of the same kind (ordinary, or `initialization` /
    /// `shutdown`) makes room.
    pub(crate) fn offer(&self, signal: Signal) {
        let mut gate = self.gate();
        let (control, new_exporter) = match gate.admit(&signal) {
            Verdict::Drop => {
                self.count_filtered(&signal);
                return;
            }
            Verdict::Queue {
                control,
                new_exporter,
            } => (control, new_exporter),
        };
        if new_exporter && let Some(serve) = gate.serve.as_mut() {
            serve.pending.insert(signal.publisher_id.clone());
        }
        drop(gate);
        let mut queue = self.queue();
        if queue.closed {
            return;
        }
        let full = if control {
            queue.items.len() - queue.ordinary >= CONTROL_RESERVE
        } else {
            queue.ordinary >= self.capacity
        };
        let dropped = if full {
            queue.drop_oldest(!control)
        } else {
            None
        };
        queue.ordinary += usize::from(!control);
        queue.items.push_back(Queued {
            signal,
            ordinary: !control,
        });
        let waker = queue.waker.take();
        drop(queue);
        if let Some(dropped) = dropped {
            self.overflowed();
            // A dropped `initialization` leaves no undecided exporter behind.
            if dropped.is_initialization()
                && let Some(serve) = self.gate().serve.as_mut()
            {
                serve.pending.remove(&dropped.publisher_id);
            }
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The next queued signal, for the one reader.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Signal> {
        let mut queue = self.queue();
        match queue.items.pop_front() {
            Some(queued) => {
                queue.ordinary -= usize::from(queued.ordinary);
                Poll::Ready(queued.signal)
            }
            None => {
                queue.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The reader is gone: empties the queue and stops filling it.
    pub(crate) fn close(&self) {
        let mut queue = self.queue();
        queue.closed = true;
        queue.items.clear();
        queue.ordinary = 0;
    }

    /// How many signals wait in the queue.
    pub(crate) fn queued(&self) -> usize {
        self.queue().items.len()
    }

    /// Counts a signal that will never be acted on.
    pub(crate) fn count_filtered(&self, signal: &Signal) {
        self.filtered.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(publisher_id = %Escaped(&signal.publisher_id), tag = %Escaped(&signal.tag), event = %Escaped(&signal.event), "signal filtered out");
    }

    fn overflowed(&self) {
        if let Some(since_last) = self.overflow.hit() {
            tracing::warn!(
                signals_dropped = self.overflow.total(),
                since_last,
                capacity = self.capacity,
                "signal queue full: dropping the oldest signals until the handler catches up"
            );
        }
    }

    /// Signals dropped because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.overflow.total()
    }

    /// Signals filtered out by locks or because their exporter is not served.
    pub(crate) fn filtered(&self) -> u64 {
        self.filtered.load(Ordering::Relaxed)
    }
}
