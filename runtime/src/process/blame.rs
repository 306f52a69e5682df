//! Whom a worker process's end is blamed on (the cordon counts it against them): the tenant
//! whose isolate had just reached its heap limit, else the tenants with requests in flight,
//! else those whose isolates were running work of their own (`waitUntil` after the answer,
//! timers it left) with no request in flight shortly before. The worker tells the gateway
//! of each as it happens, so the gateway knows after the process is gone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::MutexGuard;
use std::sync::OnceLock;
use std::sync::PoisonError;
use std::time::Duration;
use std::time::Instant;

use crate::limits::LimitBreach;

/// How soon after a heap-limit note a worker's end is blamed on it (a built-in that cannot
/// be interrupted may take seconds to fill the rest of its room); a note is dropped earlier
/// when the isolate it concerns was stopped cleanly.
const HEAP_NOTE_LIFE: Duration = Duration::from_secs(60);

/// How soon after an isolate began work with no request in flight a worker's end is blamed
/// on it, when nothing else is to blame.
const BACKGROUND_LIFE: Duration = Duration::from_secs(10);

/// An isolate of the worker reached its heap limit: if the worker ends soon after, V8 ended
/// it for that, and the tenant's requests in flight were stopped by its memory limit.
#[derive(Debug)]
struct HeapNote {
    at: Instant,
    label: String,
    breach: LimitBreach,
}

/// What the gateway has been told by one worker process that may explain its end.
#[derive(Debug, Default)]
pub(crate) struct Witness {
    heap_note: Mutex<Option<HeapNote>>,
    background: Mutex<HashMap<String, Instant>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Witness {
    /// The isolate of `label` reached its heap limit with `breach`.
    pub(crate) fn heap_limit(&self, label: String, breach: LimitBreach) {
        *lock(&self.heap_note) = Some(HeapNote {
            at: Instant::now(),
            label,
            breach,
        });
    }

    /// An isolate was stopped cleanly by its memory limit: its note explains nothing.
    pub(crate) fn stopped_cleanly(&self) {
        *lock(&self.heap_note) = None;
    }

    /// The isolate of `label` began work with no request in flight.
    pub(crate) fn background(&self, label: String) {
        let mut background = lock(&self.background);
        background.retain(|_, at| at.elapsed() < BACKGROUND_LIFE);
        background.insert(label, Instant::now());
    }

    /// The heap-limit note that explains the end, taken: the tenant and its breach.
    pub(crate) fn take_heap_note(&self) -> Option<(String, LimitBreach)> {
        lock(&self.heap_note)
            .take()
            .filter(|note| note.at.elapsed() < HEAP_NOTE_LIFE)
            .map(|note| (note.label, note.breach))
    }

    /// The tenants to blame for the end, given the labels of those with requests in flight.
    pub(crate) fn blamed(&self, running: Vec<String>) -> Vec<String> {
        if let Some(note) = lock(&self.heap_note)
            .as_ref()
            .filter(|note| note.at.elapsed() < HEAP_NOTE_LIFE)
        {
            return vec![note.label.clone()];
        }
        if !running.is_empty() {
            return running;
        }
        let mut background: Vec<String> = lock(&self.background)
            .iter()
            .filter(|(_, at)| at.elapsed() < BACKGROUND_LIFE)
            .map(|(label, _)| label.clone())
            .collect();
        background.sort();
        background
    }
}

/// Told, on an isolate thread, that the handler `label`'s isolate began work with no request
/// in flight (a worker process sends it to the gateway; elsewhere nobody listens).
pub(crate) trait BackgroundSink: Send + Sync {
    /// The isolate of `label` is running work of its own.
    fn began(&self, label: &str);
}

static SINK: OnceLock<Box<dyn BackgroundSink>> = OnceLock::new();

/// Sends the notices of this process's isolates to `sink` (a worker process, once).
pub(crate) fn send_background_to(sink: Box<dyn BackgroundSink>) {
    let _ = SINK.set(sink);
}

/// The isolate of `label` began work with no request in flight.
pub(crate) fn background_began(label: &str) {
    if let Some(sink) = SINK.get() {
        sink.began(label);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::LimitKind;
    use crate::limits::Measured;

    #[test]
    fn a_heap_note_outranks_requests_in_flight_which_outrank_background_work() {
        let witness = Witness::default();
        assert!(witness.blamed(Vec::new()).is_empty());
        witness.background("quiet".to_owned());
        assert_eq!(witness.blamed(Vec::new()), ["quiet"]);
        assert_eq!(witness.blamed(vec!["busy".to_owned()]), ["busy"]);
        let breach = LimitBreach {
            kind: LimitKind::Memory,
            limit: 32 << 20,
            used: Measured::HeapFull { in_use: 31 << 20 },
            cpu: Duration::ZERO,
            heap_used: 31 << 20,
        };
        witness.heap_limit("greedy".to_owned(), breach);
        assert_eq!(witness.blamed(vec!["busy".to_owned()]), ["greedy"]);
        witness.stopped_cleanly();
        assert_eq!(witness.blamed(vec!["busy".to_owned()]), ["busy"]);
        assert!(witness.take_heap_note().is_none());
    }
}
