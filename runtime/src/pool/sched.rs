//! Thread scheduling. For throughput: a request crosses threads twice (gateway → isolate →
//! gateway); under the default policy each crossing wakes the other thread and, when both
//! share a core, preempts the sender at once, so one request costs two context switches.
//! `SCHED_BATCH` tells Linux not to preempt on wake-up: the sender finishes what it has
//! (more requests, more responses) and the receiver then takes a whole batch. On a loaded
//! core this halves the cost of a request; on idle cores it changes nothing.
//!
//! For containment: a worker process that hosts cordoned tenants runs every thread under
//! `SCHED_IDLE`, so it only gets the CPU time its neighbours leave.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;

/// Set once this process runs at idle priority: threads started later stay there.
static IDLE: AtomicBool = AtomicBool::new(false);

/// Puts the calling thread under `SCHED_BATCH` (Linux; elsewhere a no-op), or `SCHED_IDLE`
/// in a process lowered by [`lower_to_idle`]. Failure only costs throughput, so it is
/// logged and ignored.
pub fn prefer_throughput() {
    let policy = if IDLE.load(Ordering::Relaxed) {
        Policy::Idle
    } else {
        Policy::Batch
    };
    if let Err(error) = set_policy(0, policy) {
        tracing::debug!(%error, "cannot set the scheduling policy; keeping the default");
    }
}

/// Puts every thread of this process, and every thread it starts from now on, under
/// `SCHED_IDLE`. A process cannot raise itself back (that needs `CAP_SYS_NICE`).
#[cfg(target_os = "linux")]
pub(crate) fn lower_to_idle() -> std::io::Result<()> {
    IDLE.store(true, Ordering::Relaxed);
    for task in std::fs::read_dir("/proc/self/task")? {
        let tid = task?.file_name().to_string_lossy().parse::<libc::pid_t>();
        if let Ok(tid) = tid {
            set_policy(tid, Policy::Idle)?;
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Policy {
    Batch,
    Idle,
}

#[cfg(target_os = "linux")]
fn set_policy(tid: libc::pid_t, policy: Policy) -> std::io::Result<()> {
    let policy = match policy {
        Policy::Batch => libc::SCHED_BATCH,
        Policy::Idle => libc::SCHED_IDLE,
    };
    let param = libc::sched_param { sched_priority: 0 };
    #[allow(unsafe_code, reason = "sched_setscheduler has no safe wrapper in std")]
    // SAFETY: `param` is a valid, initialised sched_param that outlives the call; `tid` is 0
    // (the calling thread) or a thread of this process; SCHED_BATCH and SCHED_IDLE take
    // priority 0 and need no privilege.
    let result = unsafe { libc::sched_setscheduler(tid, policy, &raw const param) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_policy(_tid: i32, _policy: Policy) -> std::io::Result<()> {
    Ok(())
}
