//! Bounded: the one queue between a connection (which must never block)
//! and its one reader — a responder's signals, a monitor's observations.
//!
//! Items are pushed on the task that reads the socket and taken by the
//! reader. Past the capacity an item is dropped, counted and logged (one
//! line per interval with the count); the [`Overflow`] policy says which.
//! Items pushed as *reserved* (a responder's `initialization` and
//! `shutdown`) have room of their own beyond the capacity, so that a flood
//! of ordinary items never pushes them out.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::throttle::Throttle;

/// Which item makes room when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// The oldest queued item of the same kind: the reader sees the latest.
    DropOldest,
    /// The item being pushed: the reader sees what came first.
    DropNewest,
}

/// A bounded queue with one reader.
#[derive(Debug)]
pub(crate) struct Bounded<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    reserve: usize,
    overflow: Overflow,
    /// What the queue holds, for the log line ("signal", "monitor").
    what: &'static str,
    dropped: Throttle,
}

#[derive(Debug)]
struct State<T> {
    /// Each item, and whether it was pushed as reserved.
    items: VecDeque<(T, bool)>,
    /// Reserved items in `items`.
    reserved: usize,
    /// The reader waiting for an item.
    waker: Option<Waker>,
    /// The reader is gone: nothing is queued any more.
    closed: bool,
    /// The writer is gone: the reader gets `None` once the queue is empty.
    ended: bool,
}

impl<T> Bounded<T> {
    /// A queue with room for `capacity` items (at least 1) and `reserve`
    /// more reserved ones.
    pub(crate) fn new(
        what: &'static str,
        capacity: usize,
        reserve: usize,
        overflow: Overflow,
    ) -> Self {
        Self {
            state: Mutex::new(State {
                items: VecDeque::new(),
                reserved: 0,
                waker: None,
                closed: false,
                ended: false,
            }),
            capacity: capacity.max(1),
            reserve,
            overflow,
            what,
            dropped: Throttle::default(),
        }
    }

    /// Locks the state; a poisoned lock is taken over (no code panics under it).
    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `item` (with the reserved room if `reserved`) and wakes the
    /// reader; returns the item dropped to keep the bound, if any.
    pub(crate) fn push(&self, item: T, reserved: bool) -> Option<T> {
        let mut state = self.state();
        if state.closed {
            return None;
        }
        let full = if reserved {
            state.reserved >= self.reserve
        } else {
            state.items.len() - state.reserved >= self.capacity
        };
        let mut dropped = None;
        if full {
            if self.overflow == Overflow::DropNewest {
                drop(state);
                self.count_drop();
                return Some(item);
            }
            let oldest = state.items.iter().position(|(_, r)| *r == reserved);
            if let Some((old, _)) = oldest.and_then(|at| state.items.remove(at)) {
                state.reserved -= usize::from(reserved);
                dropped = Some(old);
            }
        }
        state.reserved += usize::from(reserved);
        state.items.push_back((item, reserved));
        let waker = state.waker.take();
        drop(state);
        if dropped.is_some() {
            self.count_drop();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
        dropped
    }

    fn count_drop(&self) {
        crate::metrics::dropped(self.what);
        if let Some(since_last) = self.dropped.hit() {
            let which = match self.overflow {
                Overflow::DropOldest => "oldest",
                Overflow::DropNewest => "newest",
            };
            tracing::warn!(
                dropped = self.dropped.total(),
                since_last,
                capacity = self.capacity,
                "{} queue full: dropping the {which} until the reader catches up",
                self.what
            );
        }
    }

    /// The next item, for the one reader; `None` once the writer is gone
    /// and the queue is empty.
    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.state();
        match state.items.pop_front() {
            Some((item, reserved)) => {
                state.reserved -= usize::from(reserved);
                Poll::Ready(Some(item))
            }
            None if state.ended => Poll::Ready(None),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The reader is gone: empties the queue and stops filling it.
    pub(crate) fn close(&self) {
        let mut state = self.state();
        state.closed = true;
        state.items.clear();
        state.reserved = 0;
    }

    /// The writer is gone: the reader gets what is queued, then `None`.
    pub(crate) fn end(&self) {
        let waker = {
            let mut state = self.state();
            state.ended = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// How many items wait.
    pub(crate) fn len(&self) -> usize {
        self.state().items.len()
    }

    /// How many items were dropped because the queue was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(queue: &Bounded<u32>) -> Vec<u32> {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(item)) = queue.poll_pop(&mut cx) {
            out.push(item);
        }
        out
    }

    #[test]
    fn drop_oldest_keeps_the_latest_and_the_reserved_room() {
        let queue = Bounded::new("test", 2, 1, Overflow::DropOldest);
        assert_eq!(queue.push(1, false), None);
        assert_eq!(queue.push(100, true), None);
        assert_eq!(queue.push(2, false), None);
        assert_eq!(queue.push(3, false), Some(1));
        assert_eq!(queue.push(101, true), Some(100));
        assert_eq!(drain(&queue), [2, 3, 101]);
        assert_eq!(queue.dropped(), 2);
    }

    #[test]
    fn drop_newest_keeps_the_first() {
        let queue = Bounded::new("test", 2, 0, Overflow::DropNewest);
        assert_eq!(queue.push(1, false), None);
        assert_eq!(queue.push(2, false), None);
        assert_eq!(queue.push(3, false), Some(3));
        assert_eq!(drain(&queue), [1, 2]);
    }

    #[test]
    fn the_reader_sees_the_end_after_the_queued_items() {
        let queue = Bounded::new("test", 4, 0, Overflow::DropOldest);
        queue.push(1, false);
        queue.end();
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(queue.poll_pop(&mut cx), Poll::Ready(None));
        queue.close();
        assert_eq!(queue.push(2, false), None);
        assert_eq!(queue.len(), 0);
    }
}
