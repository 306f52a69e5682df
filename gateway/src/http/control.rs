//! What may close a connection besides its client: a cap on its requests, the idle timeout
//! and shutdown. [`Controls`] watches them on wakers of their own, so that the connection's
//! task, woken for every request, looks at them only when one of them is due.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use std::task::Wake;
use std::task::Waker;
use std::time::Duration;

use futures::task::AtomicWaker;
use tokio::sync::watch;
use tokio::sync::Notify;

/// Idle checks per idle timeout: a connection idle for the timeout closes within a quarter
/// of it more.
const IDLE_CHECKS: u32 = 4;

/// Shortest time between idle checks.
const MIN_IDLE_CHECK: Duration = Duration::from_millis(10);

/// Activity shared between a connection's task and its requests. No clock is read per
/// request: the idle check sees activity in the request count.
#[derive(Debug, Default)]
pub(super) struct Activity {
    requests: AtomicU64,
    in_flight: AtomicUsize,
    /// Woken when the connection should close after the requests in flight.
    close: Notify,
}

/// A request in flight on a connection.
pub(super) struct InFlight<'a>(&'a Activity);

impl<'a> InFlight<'a> {
    /// Counts a request on `activity`; the one that reaches `max_requests` (0: no cap)
    /// asks the connection to close after it.
    pub(super) fn new(activity: &'a Activity, max_requests: u64) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        let served = activity.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if max_requests > 0 && served >= max_requests {
            activity.close.notify_one();
        }
        Self(activity)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Wakes the connection's task and marks the controls due.
#[derive(Debug, Default)]
struct Due {
    due: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Due {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.due.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// The connection's controls, resolved when it should close gracefully.
pub(super) struct Controls {
    due: Arc<Due>,
    waker: Waker,
    watch: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Controls {
    /// Watches `activity`'s request cap, `idle_timeout` and `shutdown`.
    pub(super) fn new(
        activity: Arc<Activity>,
        idle_timeout: Duration,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let due = Arc::new(Due {
            // Polled once at first, so that every control has a waker.
            due: AtomicBool::new(true),
            task: AtomicWaker::new(),
        });
        Self {
            waker: Waker::from(due.clone()),
            due,
            watch: Box::pin(watch(activity, idle_timeout, shutdown)),
        }
    }

    /// Ready once the connection should close; looks at the controls only when one of them
    /// woke the task since the last look.
    pub(super) fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.due.task.register(cx.waker());
        if !self.due.due.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        self.watch
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker))
    }
}

/// Resolves when the request cap is reached, shutdown begins, or the connection has had no
/// request for `idle_timeout`.
async fn watch(
    activity: Arc<Activity>,
    idle_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let period = (idle_timeout / IDLE_CHECKS).max(MIN_IDLE_CHECK);
    // The connection is idle once this many checks in a row saw no request: the first
    // of them may come right after a request ended.
    let quiet_enough = idle_timeout.as_nanos().div_ceil(period.as_nanos()) + 1;
    let mut checks = tokio::time::interval(period);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = 0;
    let mut quiet = 0;
    loop {
        tokio::select! {
            () = activity.close.notified() => return,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
            _ = checks.tick() => {
                let requests = activity.requests.load(Ordering::Relaxed);
                if requests != seen || activity.in_flight.load(Ordering::Relaxed) > 0 {
                    seen = requests;
                    quiet = 0;
                } else {
                    quiet += 1;
                    if quiet >= quiet_enough {
                        return;
                    }
                }
            }
        }
    }
}
