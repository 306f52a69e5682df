//! The isolate's Blob store: deno_web's, with the bytes its parts hold bounded by the
//! isolate's memory limit. A `Blob`'s bytes are copied out of the JS heap into the store,
//! where neither the heap limit nor the ArrayBuffer allocator sees them; counted here, they
//! are held to the same figure as heap and buffers together (`limits/memory.rs`), on their
//! own: garbage `Blob`s are given back later than garbage buffers (below), and would
//! otherwise make the allocator refuse buffers that a collection cannot free.
//!
//! A part is counted once per allocation, for as long as the allocation lives (a clone is
//! the same allocation; a slice counts its own length and keeps its parent alive, and so
//! counted). Garbage `Blob`s are given back only after a collection and the cleanup task
//! that follows it: an allocation is refunded when deno_web removes its last part, or when
//! the store finds it dead (every so many insertions, and past half the limit). Past half
//! the limit the store also asks for a full collection; a part that would take it past the
//! limit stops the isolate's running JavaScript, and the turn ends with `memory-limit`, as
//! for a refused ArrayBuffer.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::PoisonError;
use std::sync::Weak;

use deno_core::url::Url;
use deno_web::Blob;
use deno_web::BlobPart;
use deno_web::BlobStore;
use deno_web::BlobStoreTrait;
use uuid::Uuid;

use crate::ext::counter::Counter;

/// Insertions between two looks for dead allocations.
const PRUNE_EVERY: usize = 256;

type Part = Arc<dyn BlobPart + Send + Sync>;

/// deno_web's store, counting.
#[derive(Default)]
pub(crate) struct CountedBlobStore {
    inner: BlobStore,
    limit: OnceLock<Counter>,
    counted: Mutex<Counted>,
}

#[derive(Default)]
struct Counted {
    /// Allocations counted, by address: each with its size and a way to tell it died.
    live: HashMap<usize, (Weak<dyn BlobPart + Send + Sync>, usize)>,
    inserts: usize,
    /// Bytes counted.
    held: usize,
    /// `held` when a collection was last asked for (0: none is outstanding).
    asked_at: usize,
}

impl fmt::Debug for CountedBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountedBlobStore")
            .field("inner", &self.inner)
            .field("limited", &self.limit.get().is_some())
            .finish_non_exhaustive()
    }
}

impl CountedBlobStore {
    /// Counts the store's bytes against `counter`'s limit from now on, stopping the isolate's
    /// JS when a part does not fit.
    pub(crate) fn limit(&self, counter: Counter) {
        let _ = self.limit.set(counter);
    }

    fn count(&self, limit: &Counter, part: &Part) {
        let mut counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
        let key = Arc::as_ptr(part).cast::<()>().addr();
        // An entry's weak reference keeps its allocation's address taken, so a key already
        // there is this allocation again: a clone, counted already.
        if counted.live.contains_key(&key) {
            return;
        }
        counted.inserts += 1;
        if counted.inserts.is_multiple_of(PRUNE_EVERY) {
            prune(&mut counted);
        }
        let size = part.size();
        let max = limit.total();
        let mut after = counted.held.saturating_add(size);
        if after > max / 2 {
            prune(&mut counted);
            after = counted.held.saturating_add(size);
        }
        if after > max {
            limit.blobs_overdrawn(size, counted.held);
            return;
        }
        if after > max / 2 && (counted.asked_at == 0 || after >= counted.asked_at + max / 8) {
            // Past half the limit: a full collection lets garbage Blobs be given back.
            counted.asked_at = after;
            limit.collect_soon();
        }
        counted.held = after;
        counted.live.insert(key, (Arc::downgrade(part), size));
    }
}

/// Gives back `size` bytes.
fn refund(counted: &mut Counted, size: usize) {
    counted.held = counted.held.saturating_sub(size);
    if counted.held < counted.asked_at {
        counted.asked_at = 0;
    }
}

/// Refunds the allocations that died.
fn prune(counted: &mut Counted) {
    let mut dead = 0;
    counted.live.retain(|_, (weak, size)| {
        let alive = weak.strong_count() > 0;
        if !alive {
            dead += *size;
        }
        alive
    });
    refund(counted, dead);
}

impl BlobStoreTrait for CountedBlobStore {
    fn insert_part(&self, part: Part) -> Uuid {
        if let Some(limit) = self.limit.get() {
            self.count(limit, &part);
        }
        self.inner.insert_part(part)
    }

    fn get_part(&self, id: &Uuid) -> Option<Part> {
        self.inner.get_part(id)
    }

    fn remove_part(&self, id: &Uuid) -> Option<Part> {
        let part = self.inner.remove_part(id)?;
        // The last holder of an allocation counted: refunded now. Otherwise once the
        // allocation dies, which a slice or clone delays.
        if self.limit.get().is_some() && Arc::strong_count(&part) == 1 {
            let mut counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
            let key = Arc::as_ptr(&part).cast::<()>().addr();
            if let Some((_, size)) = counted.live.remove(&key) {
                refund(&mut counted, size);
            }
        }
        Some(part)
    }

    fn get_object_url(&self, url: Url) -> Option<Arc<Blob>> {
        self.inner.get_object_url(url)
    }

    fn insert_object_url(&self, blob: Blob, maybe_location: Option<Url>) -> Url {
        self.inner.insert_object_url(blob, maybe_location)
    }

    fn remove_object_url(&self, url: &Url) {
        self.inner.remove_object_url(url);
    }

    fn clear(&self) {
        self.inner.clear();
    }
}
