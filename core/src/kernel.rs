//! The discrete-event kernel: a virtual clock (microseconds inside, milliseconds at every
//! boundary), a priority queue of events ordered by (time, sequence), the run's one
//! seeded RNG and the trace. Nothing here reads the wall clock.
//!
//! Events are marked *idle* when they only keep an empty poll going (a long poll that
//! found nothing, the poller's next poll). `Sim::run_to_idle` stops when only idle
//! events remain and no polled queue holds a visible message. Services choose
//! explicitly: `schedule` is real work, `schedule_idle` is polling.

use crate::rng::Rng;
use crate::trace::{TraceEntry, TraceKind};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

pub type Micros = u64;
pub const US_PER_MS: u64 = 1_000;

/// What the heap orders: the event itself waits in a slot, so sifting moves 24 bytes
/// rather than a whole event (API calls carry their parameters).
struct Key {
    at: Micros,
    seq: u64,
    slot: u32,
    idle: bool,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    // BinaryHeap is a max-heap: reverse so the earliest (time, seq) pops first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

pub(crate) struct Kernel<E> {
    now: Micros,
    seq: u64,
    queue: BinaryHeap<Key>,
    /// The scheduled events by slot, and the slots free for reuse.
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    busy_events: usize,
    pub rng: Rng,
    pub trace: Vec<TraceEntry>,
}

impl<E> Kernel<E> {
    pub fn new(seed: u64) -> Self {
        Kernel {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            busy_events: 0,
            rng: Rng::new(seed),
            trace: Vec::new(),
        }
    }

    pub fn now(&self) -> Micros {
        self.now
    }
    pub fn now_ms(&self) -> u64 {
        self.now / US_PER_MS
    }

    /// Schedules real work `delay` µs from now.
    pub fn schedule(&mut self, delay: Micros, event: E) {
        self.schedule_at(self.now + delay, false, event);
    }

    /// Schedules an event that only keeps an empty poll going.
    pub fn schedule_idle(&mut self, delay: Micros, event: E) {
        self.schedule_at(self.now + delay, true, event);
    }

    pub fn schedule_at(&mut self, at: Micros, idle: bool, event: E) {
        let at = at.max(self.now);
        self.seq += 1;
        if !idle {
            self.busy_events += 1;
        }
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(event);
                i
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.queue.push(Key {
            at,
            seq: self.seq,
            slot,
            idle,
        });
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<Micros> {
        self.queue.peek().map(|s| s.at)
    }

    /// True when nothing but idle polling is scheduled.
    pub fn only_idle_left(&self) -> bool {
        self.busy_events == 0
    }

    /// Pops the next event and advances the clock to it.
    pub fn pop(&mut self) -> Option<E> {
        let k = self.queue.pop()?;
        if !k.idle {
            self.busy_events -= 1;
        }
        self.now = k.at;
        let event = self.slots[k.slot as usize].take()?;
        self.free.push(k.slot);
        Some(event)
    }

    /// Moves the clock forward without an event (run_until with a quiet stretch).
    pub fn advance_to(&mut self, t: Micros) {
        if t > self.now {
            self.now = t;
        }
    }

    pub fn record(
        &mut self,
        kind: TraceKind,
        from: &str,
        to: &str,
        summary: String,
        detail: Value,
    ) {
        let at_ms = self.now as f64 / US_PER_MS as f64;
        self.trace.push(TraceEntry {
            at_ms,
            kind,
            from: from.to_string(),
            to: to.to_string(),
            summary,
            detail,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_in_time_then_sequence_order() {
        let mut k: Kernel<&str> = Kernel::new(1);
        k.schedule(5, "b");
        k.schedule(1, "a");
        k.schedule(5, "c");
        let order: Vec<_> = std::iter::from_fn(|| k.pop()).collect();
        assert_eq!(order, vec!["a", "b", "c"]);
        assert_eq!(k.now(), 5);
    }

    #[test]
    fn idle_tracking() {
        let mut k: Kernel<u8> = Kernel::new(1);
        k.schedule_idle(10, 1);
        assert!(k.only_idle_left());
        k.schedule(1, 2);
        assert!(!k.only_idle_left());
        k.pop();
        assert!(k.only_idle_left());
    }
}
