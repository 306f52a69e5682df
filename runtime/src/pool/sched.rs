//! Thread scheduling for throughput. A request crosses threads twice (gateway → isolate →
//! gateway); under the default policy each crossing wakes the other thread and, when both
//! share a core, preempts the sender at once, so one request costs two context switches.
//! `SCHED_BATCH` tells Linux not to preempt on wake-up: the sender finishes what it has
//! (more requests, more responses) and the receiver then takes a whole batch. On a loaded
//! core this halves the cost of a request; on idle cores it changes nothing.

/// Puts the calling thread under `SCHED_BATCH` (Linux; elsewhere a no-op). Failure only
/// costs throughput, so it is logged and ignored.
pub fn prefer_throughput() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        #[allow(unsafe_code, reason = "sched_setscheduler has no safe wrapper in std")]
        // SAFETY: `param` is a valid, initialised sched_param that outlives the call; pid 0
        // names the calling thread; SCHED_BATCH takes priority 0 and needs no privilege.
        let result = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &raw const param) };
        if result != 0 {
            tracing::debug!(
                error = %std::io::Error::last_os_error(),
                "cannot set SCHED_BATCH; keeping the default scheduling policy"
            );
        }
    }
}
