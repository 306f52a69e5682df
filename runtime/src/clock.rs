//! Thread CPU clocks (`CLOCK_THREAD_CPUTIME_ID` and `pthread_getcpuclockid`): the CPU
//! watchdog reads isolate threads' (`limits/cpu.rs`), an isolate its offload threads'
//! (`ext/offload.rs`).

#![allow(unsafe_code, reason = "thread CPU clocks have no safe wrapper in std")]

use std::time::Duration;

/// A thread's CPU clock, readable from any thread while that thread lives.
#[derive(Debug)]
pub(crate) struct CpuClock(libc::clockid_t);

impl CpuClock {
    /// The calling thread's clock.
    pub(crate) fn of_current_thread() -> std::io::Result<Self> {
        let mut id: libc::clockid_t = 0;
        // SAFETY: pthread_self() is always valid for the calling thread and `id` is a valid
        // out-pointer for the duration of the call.
        let result = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &raw mut id) };
        if result == 0 {
            Ok(Self(id))
        } else {
            Err(std::io::Error::from_raw_os_error(result))
        }
    }

    /// CPU time the thread has used so far.
    pub(crate) fn now(&self) -> Duration {
        read_clock(self.0)
    }
}

/// The calling thread's CPU time so far.
pub(crate) fn thread_time() -> Duration {
    read_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// The time on `clock`; zero when it cannot be read (the clock of a thread that has exited).
fn read_clock(clock: libc::clockid_t) -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid out-pointer; an invalid clock makes the call fail, which
    // reads as zero below.
    let result = unsafe { libc::clock_gettime(clock, &raw mut time) };
    if result != 0 {
        return Duration::ZERO;
    }
    let secs = u64::try_from(time.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(time.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}
