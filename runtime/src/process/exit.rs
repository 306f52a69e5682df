//! How a worker process ends: the exit code a worker uses for its own memory ceiling, and
//! the words the gateway logs for an end.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// The exit code a worker ends with when its resident memory passes its ceiling.
pub(crate) const EXIT_MEMORY_CEILING: i32 = 86;

/// How a worker process ended, for the log and the error.
pub(crate) fn exit_reason(status: Option<&ExitStatus>) -> String {
    let Some(status) = status else {
        return "ended (status unknown)".to_owned();
    };
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGKILL => "SIGKILL",
            libc::SIGABRT => "SIGABRT",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS",
            libc::SIGTRAP => "SIGTRAP",
            libc::SIGSYS => "SIGSYS",
            libc::SIGILL => "SIGILL",
            _ => "a signal",
        };
        return format!("was killed by {name} ({signal})");
    }
    match status.code() {
        Some(EXIT_MEMORY_CEILING) => "passed its resident memory ceiling".to_owned(),
        Some(code) => format!("exited with code {code}"),
        None => "ended".to_owned(),
    }
}
