//! Body streams across the link, with credit-based flow control: a sender may have at most
//! [`WINDOW`] bytes of a stream unacknowledged, and the receiver grants credit back as its
//! consumer takes chunks. A consumer that stops reading therefore stalls the producer on the
//! far side, and neither side buffers more than a window per stream.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::sync::Semaphore;

use crate::message::BodyError;
use crate::message::BodyStream;

/// Unacknowledged bytes a stream may have in flight.
pub(crate) const WINDOW: u32 = 256 * 1024;

/// The largest chunk sent in one frame.
const CHUNK: usize = 64 * 1024;

/// A sender's credit for one stream: bytes it may still send.
#[derive(Clone, Debug)]
pub(crate) struct Credit(Arc<Semaphore>);

impl Credit {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Semaphore::new(WINDOW as usize)))
    }

    /// The receiver acknowledged `bytes`; more than a window is ignored (a confused or
    /// hostile peer cannot grow the buffer on its own side past a window).
    pub(crate) fn grant(&self, bytes: u32) {
        let room = (WINDOW as usize).saturating_sub(self.0.available_permits());
        self.0.add_permits((bytes as usize).min(room));
    }

    /// Stops the sender: its next wait for credit fails.
    pub(crate) fn close(&self) {
        self.0.close();
    }

    /// Waits until `bytes` may be sent; false once the stream is closed.
    async fn spend(&self, bytes: u32) -> bool {
        match self.0.acquire_many(bytes).await {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }
}

/// How a chunk or the end of a stream goes out on the link.
pub(crate) trait Outlet: Send + 'static {
    /// Sends one chunk; false when the link is gone.
    fn chunk(&self, chunk: Bytes) -> bool;
    /// Ends the stream, with the error that ended it early if one did.
    fn end(&self, error: Option<String>);
}

/// Sends `body` in chunks of at most [`CHUNK`] bytes as `credit` allows, then its end.
pub(crate) async fn send_body(mut body: BodyStream, credit: Credit, outlet: impl Outlet) {
    while let Some(item) = body.next().await {
        let mut chunk = match item {
            Ok(chunk) => chunk,
            Err(error) => {
                outlet.end(Some(error.to_string()));
                return;
            }
        };
        while !chunk.is_empty() {
            let piece = chunk.split_to(chunk.len().min(CHUNK));
            let size = u32::try_from(piece.len()).unwrap_or(u32::MAX);
            if !credit.spend(size).await || !outlet.chunk(piece) {
                // The receiver is gone; nobody wants the rest.
                return;
            }
        }
    }
    outlet.end(None);
}

/// The receiving end of a stream: chunks as they arrive from the link (at most a window of
/// them, by the sender's credit), and the stream the consumer reads, which grants credit for
/// each chunk it takes. `abandon` runs when the consumer drops the stream before its end (a
/// client gone, a body cut at its deadline), so that a sender waiting for credit that will
/// never come is told to stop.
pub(crate) fn receive_body(
    acknowledge: impl Fn(u32) + Send + Sync + 'static,
    abandon: impl FnOnce() + Send + 'static,
) -> (Inflow, BodyStream) {
    let (sender, receiver) = mpsc::unbounded_channel::<Result<Bytes, BodyError>>();
    let taken = Arc::new(AtomicU64::new(0));
    let reading = Reading {
        receiver,
        acknowledge,
        taken: taken.clone(),
        abandon: Some(Box::new(abandon)),
    };
    let stream = futures::stream::unfold(reading, |mut reading| async move {
        let Some(item) = reading.receiver.recv().await else {
            // The stream ended: nothing to abandon.
            reading.abandon.take();
            return None;
        };
        match &item {
            Ok(chunk) => {
                reading
                    .taken
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                (reading.acknowledge)(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
            }
            Err(_) => {
                reading.abandon.take();
            }
        }
        Some((item, reading))
    });
    let inflow = Inflow {
        sender,
        received: 0,
        taken,
    };
    (inflow, Box::pin(stream))
}

/// The consumer's side of a stream while it reads.
struct Reading<A> {
    receiver: mpsc::UnboundedReceiver<Result<Bytes, BodyError>>,
    acknowledge: A,
    taken: Arc<AtomicU64>,
    /// Runs on drop unless the stream reached its end.
    abandon: Option<Box<dyn FnOnce() + Send>>,
}

impl<A> Drop for Reading<A> {
    fn drop(&mut self) {
        if let Some(abandon) = self.abandon.take() {
            abandon();
        }
    }
}

/// Where the link's reader puts a stream's chunks.
#[derive(Debug)]
pub(crate) struct Inflow {
    sender: mpsc::UnboundedSender<Result<Bytes, BodyError>>,
    /// Bytes delivered so far.
    received: u64,
    /// Bytes the consumer has taken so far.
    taken: Arc<AtomicU64>,
}

/// Why a chunk was not delivered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The consumer is gone: the rest of the stream is unwanted.
    Gone,
    /// The peer sent past its window: it ignores flow control.
    Overrun,
}

impl Inflow {
    /// Delivers a chunk, unless the consumer is gone or the peer sent past its window.
    pub(crate) fn deliver(&mut self, chunk: Bytes) -> Result<(), Refused> {
        self.received += chunk.len() as u64;
        let held = self.received - self.taken.load(Ordering::Relaxed).min(self.received);
        if held > u64::from(WINDOW) + CHUNK as u64 {
            return Err(Refused::Overrun);
        }
        self.sender.send(Ok(chunk)).map_err(|_| Refused::Gone)
    }

    /// Ends the stream with an error.
    pub(crate) fn fail(&self, error: String) {
        let _ = self.sender.send(Err(error.into()));
    }
}

/// A receiver's bounded copy of a stream for a consumer that reads an `mpsc::Receiver`: a
/// chunk is acknowledged once it is in the bounded channel, so at most the window plus two
/// chunks are held.
pub(crate) fn bounded(mut stream: BodyStream) -> mpsc::Receiver<Result<Bytes, BodyError>> {
    let (sender, receiver) = mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                () = sender.closed() => return,
            };
            let Some(item) = item else { return };
            if sender.send(item).await.is_err() {
                return;
            }
        }
    });
    receiver
}

/// Sends a request body's chunks to the worker.
pub(crate) struct RequestOutlet {
    pub(crate) frames: tokio::sync::mpsc::UnboundedSender<super::wire::ToWorker>,
    pub(crate) call: super::wire::CallId,
}

impl Outlet for RequestOutlet {
    fn chunk(&self, chunk: bytes::Bytes) -> bool {
        self.frames
            .send(super::wire::ToWorker::Body {
                call: self.call,
                chunk,
            })
            .is_ok()
    }

    fn end(&self, error: Option<String>) {
        let _ = self.frames.send(super::wire::ToWorker::BodyEnd {
            call: self.call,
            error,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;
    use std::sync::Mutex;

    use super::*;

    #[derive(Clone, Default)]
    struct Collect(Arc<Mutex<Vec<Bytes>>>, Arc<Mutex<Option<Option<String>>>>);

    impl Outlet for Collect {
        fn chunk(&self, chunk: Bytes) -> bool {
            self.0.lock().unwrap().push(chunk);
            true
        }
        fn end(&self, error: Option<String>) {
            *self.1.lock().unwrap() = Some(error);
        }
    }

    #[tokio::test]
    async fn a_sender_stops_at_its_window_until_credit_comes_back() {
        let big = Bytes::from(vec![7u8; 1024 * 1024]);
        let body: BodyStream = Box::pin(futures::stream::iter([Ok(big)]));
        let credit = Credit::new();
        let outlet = Collect::default();
        let sending = tokio::spawn(send_body(body, credit.clone(), outlet.clone()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let sent: usize = outlet.0.lock().unwrap().iter().map(Bytes::len).sum();
        assert_eq!(sent, WINDOW as usize, "sent past the window");
        for _ in 0..3 {
            credit.grant(WINDOW);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        sending.await.unwrap();
        let sent: usize = outlet.0.lock().unwrap().iter().map(Bytes::len).sum();
        assert_eq!(sent, 1024 * 1024);
        assert_eq!(*outlet.1.lock().unwrap(), Some(None));
    }

    #[tokio::test]
    async fn a_receiver_acknowledges_what_its_consumer_takes() {
        let acknowledged = Arc::new(AtomicU32::new(0));
        let seen = acknowledged.clone();
        let (mut inflow, mut stream) = receive_body(
            move |bytes| {
                seen.fetch_add(bytes, Ordering::Relaxed);
            },
            || {},
        );
        assert_eq!(inflow.deliver(Bytes::from_static(b"abc")), Ok(()));
        assert_eq!(acknowledged.load(Ordering::Relaxed), 0);
        let chunk = stream.next().await.unwrap().unwrap();
        assert_eq!(chunk, "abc");
        assert_eq!(acknowledged.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_peer_that_ignores_its_window_is_refused() {
        let (mut inflow, _stream) = receive_body(|_| {}, || {});
        let chunk = Bytes::from(vec![0u8; CHUNK]);
        let mut refused = None;
        for _ in 0..16 {
            if let Err(why) = inflow.deliver(chunk.clone()) {
                refused = Some(why);
                break;
            }
        }
        assert_eq!(refused, Some(Refused::Overrun));
    }

    #[tokio::test]
    async fn a_consumer_that_drops_a_stream_early_abandons_it_and_one_that_reads_it_all_does_not() {
        let abandoned = Arc::new(AtomicU32::new(0));
        let count = |abandoned: &Arc<AtomicU32>| {
            let abandoned = abandoned.clone();
            move || {
                abandoned.fetch_add(1, Ordering::Relaxed);
            }
        };
        let (mut inflow, stream) = receive_body(|_| {}, count(&abandoned));
        assert_eq!(inflow.deliver(Bytes::from_static(b"abc")), Ok(()));
        drop(stream);
        assert_eq!(abandoned.load(Ordering::Relaxed), 1);
        assert_eq!(inflow.deliver(Bytes::from_static(b"d")), Err(Refused::Gone));

        let (mut inflow, stream) = receive_body(|_| {}, count(&abandoned));
        assert_eq!(inflow.deliver(Bytes::from_static(b"abc")), Ok(()));
        drop(inflow);
        assert_eq!(stream.collect::<Vec<_>>().await.len(), 1);
        assert_eq!(abandoned.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn credit_never_grows_past_a_window() {
        let credit = Credit::new();
        credit.grant(u32::MAX);
        assert_eq!(credit.0.available_permits(), WINDOW as usize);
    }
}
