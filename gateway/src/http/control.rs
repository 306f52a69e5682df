//! What may close a connection besides its client: a cap on its requests, the idle timeout,
//! the HTTP/1 header read timeout and shutdown. [`Controls`] watches them on wakers of their
//! own, so that the connection's task, woken for every request, looks at them only when one
//! of them is due. Time is kept by a coarse per-connection clock, [`Ticks`], advanced by the
//! controls' periodic check: for these limits a request arms no timer, and reads no clock
//! beyond the one hyper reads to set its head's deadline.

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
use std::time::Instant;

use futures::task::AtomicWaker;
use hyper::rt::Sleep;
use hyper::rt::Timer;
use tokio::sync::watch;
use tokio::sync::Notify;

/// Checks per timeout (the shorter of the idle and header read timeouts): a connection
/// closes within a quarter of its timeout more.
const CHECKS: u32 = 4;

/// Shortest time between checks.
const MIN_CHECK: Duration = Duration::from_millis(10);

/// Activity shared between a connection's task and its requests. No clock is read per
/// request: the idle check sees activity in the request count.
#[derive(Debug, Default)]
pub(super) struct Activity {
    requests: AtomicU64,
    in_flight: AtomicUsize,
    /// Woken when the connection should close after the requests in flight.
    close: Notify,
    /// Checks in a row that saw no request, as of the last check.
    quiet: AtomicU64,
}

impl Activity {
    /// How long the connection has had no request, in checks; `None` while one is in flight.
    pub(super) fn quiet_checks(&self) -> Option<u64> {
        (self.in_flight.load(Ordering::Relaxed) == 0).then(|| self.quiet.load(Ordering::Relaxed))
    }

    /// Asks the connection to close once its requests in flight are done.
    pub(super) fn close(&self) {
        self.close.notify_one();
    }
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

/// A connection's coarse clock: whole check periods since it opened, as of the controls'
/// last check. It never runs ahead of the time, and lags it by a period at most.
#[derive(Debug)]
pub(super) struct Ticks {
    opened: Instant,
    period: Duration,
    /// Whole periods since `opened`, as of the last check.
    periods: AtomicU64,
}

impl Ticks {
    /// A clock checked four times per the shorter of the two timeouts.
    pub(super) fn new(idle_timeout: Duration, header_timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            period: (idle_timeout.min(header_timeout) / CHECKS).max(MIN_CHECK),
            periods: AtomicU64::new(0),
        })
    }

    /// Brings the clock up to now.
    fn check(&self) {
        let periods = nanos(self.opened.elapsed()) / nanos(self.period);
        self.periods.store(periods, Ordering::Release);
    }

    /// The period count from which `deadline` has passed.
    fn periods_until(&self, deadline: Instant) -> u64 {
        nanos(deadline.saturating_duration_since(self.opened)).div_ceil(nanos(self.period))
    }
}

/// `duration` in whole nanoseconds (saturating after five centuries).
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// hyper's HTTP/1 header read timer for one connection: a head's deadline is looked up on
/// the connection's [`Ticks`], so that waiting for a head arms no timer of its own. A slow
/// head is cut off at its deadline, or up to a check period later.
#[derive(Clone, Debug)]
pub(super) struct HeadTimer(pub(super) Arc<Ticks>);

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadDeadline {
            due: self.0.periods_until(deadline),
            ticks: self.0.clone(),
        })
    }
}

/// The deadline of one request head.
struct HeadDeadline {
    ticks: Arc<Ticks>,
    /// The period count from which the deadline has passed.
    due: u64,
}

impl Future for HeadDeadline {
    type Output = ();

    /// Registers no waker: every check wakes the connection's task, which then polls hyper,
    /// which polls this deadline while it waits for a head.
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.ticks.periods.load(Ordering::Acquire) >= self.due {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Sleep for HeadDeadline {}

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
    /// Watches `activity`'s request cap, `idle_timeout` and `shutdown`, and keeps `ticks`.
    pub(super) fn new(
        activity: Arc<Activity>,
        ticks: Arc<Ticks>,
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
            watch: Box::pin(watch(activity, ticks, idle_timeout, shutdown)),
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
/// request for `idle_timeout`; advances `ticks` on every check.
async fn watch(
    activity: Arc<Activity>,
    ticks: Arc<Ticks>,
    idle_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let period = ticks.period;
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
                ticks.check();
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
                activity
                    .quiet
                    .store(u64::try_from(quiet).unwrap_or(u64::MAX), Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_deadline_passes_at_the_first_check_after_it_and_never_before() {
        // Checks every 100 ms: a quarter of the header timeout, shorter than the idle one.
        let ticks = Ticks::new(Duration::from_secs(60), Duration::from_millis(400));
        assert_eq!(ticks.period, Duration::from_millis(100));
        let mut deadline =
            HeadTimer(ticks.clone()).sleep_until(ticks.opened + Duration::from_millis(250));
        let mut cx = Context::from_waker(Waker::noop());

        ticks.periods.store(2, Ordering::Release);
        assert!(
            deadline.as_mut().poll(&mut cx).is_pending(),
            "200 ms is before 250 ms"
        );
        ticks.periods.store(3, Ordering::Release);
        assert!(
            deadline.as_mut().poll(&mut cx).is_ready(),
            "300 ms is past 250 ms"
        );

        // A check counts whole periods: never ahead of the time, at most one behind.
        std::thread::sleep(Duration::from_millis(110));
        ticks.check();
        let periods = ticks.periods.load(Ordering::Acquire);
        let elapsed = ticks.opened.elapsed();
        assert!(periods >= 1, "{periods} periods after {elapsed:?}");
        assert!(Duration::from_millis(100 * periods) <= elapsed);
    }
}
