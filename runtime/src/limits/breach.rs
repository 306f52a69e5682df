//! The plain values of limits: what is configured and what a stop reports. Shared with
//! `build.rs`, so it uses nothing but `std`.

use std::fmt;
use std::time::Duration;

/// The limits a handler runs under; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU time one uninterrupted run of the handler's JavaScript may take.
    pub cpu: Option<Duration>,
    /// V8 heap size of the handler's isolate, in bytes.
    pub memory: Option<u64>,
    /// Whole-request deadline, awaits included.
    pub wall: Option<Duration>,
    /// Outbound `fetch` calls per request.
    pub subrequests: Option<u32>,
}

/// CPU time a module's top-level code may take while loading, whatever `cpu` is: loading
/// includes transpiling TypeScript, and a module runs its top level once.
pub(crate) const STARTUP_CPU: Duration = Duration::from_secs(1);

/// Which limit stopped a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// `cpu_ms`.
    Cpu,
    /// `memory_mb`.
    Memory,
    /// `wall_ms`.
    Wall,
    /// `max_concurrency`.
    Concurrency,
    /// `max_subrequests`.
    Subrequest,
}

impl LimitKind {
    /// The value of the `isogate-error` header.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cpu => "cpu-limit",
            Self::Memory => "memory-limit",
            Self::Wall => "wall-limit",
            Self::Concurrency => "concurrency-limit",
            Self::Subrequest => "subrequest-limit",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
            Self::Wall => "wall-clock",
            Self::Concurrency => "concurrency",
            Self::Subrequest => "subrequest",
        }
    }
}

/// A limit a request ran into, with the figures that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitBreach {
    /// Which limit.
    pub kind: LimitKind,
    /// The limit, as configured (`50 ms`, `128 MiB`, `10 requests`).
    pub limit: String,
    /// What was used when it was stopped (`53 ms`).
    pub used: String,
    /// CPU time of the JavaScript run that was stopped (zero when none was).
    pub cpu: Duration,
    /// V8 heap in use when it was stopped, in bytes (zero when not measured).
    pub heap_used: u64,
}

impl fmt::Display for LimitBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} limit {} exceeded ({})",
            self.kind.noun(),
            self.limit,
            self.used
        )
    }
}

/// `1234 ms`, to the millisecond.
pub(crate) fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

/// `128 MiB`, to the MiB.
pub(crate) fn mebibytes(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_breach_reads_as_limit_and_figure() {
        let breach = LimitBreach {
            kind: LimitKind::Cpu,
            limit: millis(Duration::from_millis(50)),
            used: millis(Duration::from_micros(53_400)),
            cpu: Duration::from_millis(53),
            heap_used: 0,
        };
        assert_eq!(breach.to_string(), "cpu limit 50 ms exceeded (53 ms)");
        assert_eq!(breach.kind.code(), "cpu-limit");
    }
}
