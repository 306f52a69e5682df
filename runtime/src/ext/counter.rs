//! Memory the runtime's native parts hold for an isolate outside its heap (a compression
//! stream's state and output, beside its heap and buffers; the Blob store's bytes, on
//! their own), counted against the isolate's memory limit (`limits/memory.rs` keeps the
//! account).

use std::sync::Arc;

use deno_core::v8;

/// The isolate's memory account, as native parts see it.
pub(crate) trait Account: Send + Sync {
    /// Counts `len` bytes about to be held: false, and the isolate marked to be stopped with
    /// `memory-limit`, when they do not fit. Past half the limit a full collection of
    /// `isolate` is asked for, so that garbage holders are given back.
    fn charge(&self, len: usize, isolate: &v8::IsolateHandle) -> bool;
    /// Counts `len` bytes already held (a part that cannot be refused): past the limit the
    /// isolate is marked to be stopped.
    fn force(&self, len: usize, isolate: &v8::IsolateHandle);
    /// Gives back `len` bytes counted.
    fn release(&self, len: usize);
    /// Bytes that may still be held.
    fn room(&self) -> usize;
    /// Whether the isolate was marked to be stopped for memory.
    fn refused(&self) -> bool;
    /// Marks the isolate to be stopped: `len` bytes were refused.
    fn refuse(&self, len: usize);
    /// The limit (bytes).
    fn total(&self) -> usize;
    /// Asks for a full collection of `isolate` soon.
    fn collect_soon(&self, isolate: &v8::IsolateHandle);
    /// Marks the isolate to be stopped: a Blob of `len` bytes did not fit with `held` bytes
    /// of Blobs held.
    fn blobs_overdrawn(&self, len: usize, held: usize);
}

/// An isolate's [`Account`] with the isolate, in its `OpState` when its memory is limited.
#[derive(Clone)]
pub(crate) struct Counter {
    account: Arc<dyn Account>,
    isolate: v8::IsolateHandle,
}

impl Counter {
    /// A counter over `account`, asking `isolate` for collections.
    pub(crate) fn new(account: Arc<dyn Account>, isolate: v8::IsolateHandle) -> Self {
        Self { account, isolate }
    }

    /// See [`Account::charge`]; bytes that do not fit also stop the isolate's running
    /// JavaScript, so the turn ends with `memory-limit` (JS cannot catch it).
    pub(crate) fn charge(&self, len: usize) -> bool {
        let fits = self.account.charge(len, &self.isolate);
        if !fits {
            self.isolate.terminate_execution();
        }
        fits
    }

    /// See [`Account::force`]; past the limit the isolate's running JavaScript is stopped.
    pub(crate) fn force(&self, len: usize) {
        self.account.force(len, &self.isolate);
        if self.account.refused() {
            self.isolate.terminate_execution();
        }
    }

    /// Gives back `len` bytes charged or forced.
    pub(crate) fn release(&self, len: usize) {
        self.account.release(len);
    }

    /// See [`Account::room`].
    pub(crate) fn room(&self) -> usize {
        self.account.room()
    }

    /// Refuses `len` bytes that were asked for and not counted (output past
    /// [`Counter::room`]): the isolate is marked and its running JavaScript stopped.
    pub(crate) fn refuse(&self, len: usize) {
        self.account.refuse(len);
        self.isolate.terminate_execution();
    }

    /// See [`Account::refused`].
    pub(crate) fn refused(&self) -> bool {
        self.account.refused()
    }

    /// See [`Account::total`].
    pub(crate) fn total(&self) -> usize {
        self.account.total()
    }

    /// Asks for a full collection of the isolate soon.
    pub(crate) fn collect_soon(&self) {
        self.account.collect_soon(&self.isolate);
    }

    /// See [`Account::blobs_overdrawn`]; the isolate's running JavaScript is stopped.
    pub(crate) fn blobs_overdrawn(&self, len: usize, held: usize) {
        self.account.blobs_overdrawn(len, held);
        self.isolate.terminate_execution();
    }
}

/// Bytes charged to a [`Counter`] for as long as they live: given to V8 as an ArrayBuffer's
/// backing store (`v8::ArrayBuffer::new_backing_store_from_bytes`), they are given back when
/// V8 frees it.
pub(crate) struct CountedBytes {
    bytes: Vec<u8>,
    counter: Counter,
}

impl CountedBytes {
    /// Charges `bytes` to `counter`; `None` (the isolate marked to be stopped) when they do
    /// not fit.
    pub(crate) fn charge(bytes: Vec<u8>, counter: &Counter) -> Option<Self> {
        counter.charge(bytes.len()).then(|| Self {
            bytes,
            counter: counter.clone(),
        })
    }
}

impl AsMut<[u8]> for CountedBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl Drop for CountedBytes {
    fn drop(&mut self) {
        self.counter.release(self.bytes.len());
    }
}
