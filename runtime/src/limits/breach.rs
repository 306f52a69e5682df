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

    /// The unit of [`LimitBreach::limit`] and [`Measured::amount`]: `ms`, `bytes`, `requests`
    /// or `fetches`.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Cpu | Self::Wall => "ms",
            Self::Memory => "bytes",
            Self::Concurrency => "requests",
            Self::Subrequest => "fetches",
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

/// What a stop measured, as numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measured {
    /// CPU time of the run, or of the request over its runs.
    Cpu(Duration),
    /// Time since the request started.
    Elapsed(Duration),
    /// The heap reached its limit with this many bytes in use.
    HeapFull {
        /// Bytes of heap in use.
        in_use: u64,
    },
    /// An ArrayBuffer (or a Blob's bytes) was refused: what it asked for and what was held.
    BufferRefused {
        /// Bytes asked for.
        size: u64,
        /// Bytes of ArrayBuffers held.
        buffers: u64,
        /// Bytes of heap held.
        heap: u64,
    },
    /// Heap and ArrayBuffers together went past the limit.
    HeapAndBuffers {
        /// Bytes of both.
        total: u64,
        /// Bytes of ArrayBuffers among them.
        buffers: u64,
    },
    /// Requests in flight.
    InFlight(u32),
    /// The number of the fetch that was refused.
    Fetch(u32),
}

impl Measured {
    /// The figure in the limit's unit ([`LimitKind::unit`]): what went past the limit.
    pub fn amount(self) -> u64 {
        match self {
            Self::Cpu(duration) | Self::Elapsed(duration) => whole_millis(duration),
            Self::HeapFull { in_use } => in_use,
            Self::BufferRefused {
                size,
                buffers,
                heap,
            } => size.saturating_add(buffers).saturating_add(heap),
            Self::HeapAndBuffers { total, .. } => total,
            Self::InFlight(count) | Self::Fetch(count) => u64::from(count),
        }
    }

    /// The figures as a tag and three numbers, for the worker channel.
    pub fn to_parts(self) -> (u8, [u64; 3]) {
        let nanos = |duration: Duration| u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        match self {
            Self::Cpu(duration) => (0, [nanos(duration), 0, 0]),
            Self::Elapsed(duration) => (1, [nanos(duration), 0, 0]),
            Self::HeapFull { in_use } => (2, [in_use, 0, 0]),
            Self::BufferRefused {
                size,
                buffers,
                heap,
            } => (3, [size, buffers, heap]),
            Self::HeapAndBuffers { total, buffers } => (4, [total, buffers, 0]),
            Self::InFlight(count) => (5, [u64::from(count), 0, 0]),
            Self::Fetch(count) => (6, [u64::from(count), 0, 0]),
        }
    }

    /// The figures [`Self::to_parts`] made (`None` for a tag it does not make).
    pub fn from_parts(tag: u8, [a, b, c]: [u64; 3]) -> Option<Self> {
        let count = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
        Some(match tag {
            0 => Self::Cpu(Duration::from_nanos(a)),
            1 => Self::Elapsed(Duration::from_nanos(a)),
            2 => Self::HeapFull { in_use: a },
            3 => Self::BufferRefused {
                size: a,
                buffers: b,
                heap: c,
            },
            4 => Self::HeapAndBuffers {
                total: a,
                buffers: b,
            },
            5 => Self::InFlight(count(a)),
            6 => Self::Fetch(count(a)),
            _ => return None,
        })
    }
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu(duration) | Self::Elapsed(duration) => f.write_str(&millis(*duration)),
            Self::HeapFull { in_use } => {
                write!(
                    f,
                    "heap reached its limit with {} in use",
                    mebibytes(*in_use)
                )
            }
            Self::BufferRefused {
                size,
                buffers,
                heap,
            } => write!(
                f,
                "an allocation of {} refused with {} of buffers and Blobs and {} of heap held",
                mebibytes(*size),
                mebibytes(*buffers),
                mebibytes(*heap)
            ),
            Self::HeapAndBuffers { total, buffers } => write!(
                f,
                "heap and buffers reached {} ({} of buffers)",
                mebibytes(*total),
                mebibytes(*buffers)
            ),
            Self::InFlight(count) => write!(f, "{count} in flight"),
            Self::Fetch(number) => write!(f, "fetch number {number} refused"),
        }
    }
}

/// A limit a request ran into, with the figures that show it, as numbers (the text is made
/// from them when shown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitBreach {
    /// Which limit.
    pub kind: LimitKind,
    /// The limit, in the kind's unit ([`LimitKind::unit`]).
    pub limit: u64,
    /// What was used when it was stopped.
    pub used: Measured,
    /// CPU time of the JavaScript run that was stopped (zero when none was).
    pub cpu: Duration,
    /// V8 heap in use when it was stopped, in bytes (zero when not measured).
    pub heap_used: u64,
}

impl fmt::Display for LimitBreach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = self.kind.noun();
        let limit = self.limit;
        match self.kind {
            LimitKind::Cpu | LimitKind::Wall => write!(f, "{noun} limit {limit} ms")?,
            LimitKind::Memory => write!(f, "{noun} limit {}", mebibytes(limit))?,
            LimitKind::Concurrency => write!(f, "{noun} limit {limit} requests")?,
            LimitKind::Subrequest => write!(f, "{noun} limit {limit}")?,
        }
        write!(f, " exceeded ({})", self.used)
    }
}

/// Whole milliseconds of `duration`.
pub(crate) fn whole_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `1234 ms`, to the millisecond.
pub(crate) fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

/// `128 MiB`, to the MiB; under one MiB, `416 KiB`, to the KiB (so that a small figure
/// does not read as nothing).
pub(crate) fn mebibytes(bytes: u64) -> String {
    if bytes > 0 && bytes < 1024 * 1024 {
        return format!("{} KiB", bytes.div_ceil(1024));
    }
    format!("{} MiB", bytes / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_breach_reads_as_limit_and_figure() {
        let breach = LimitBreach {
            kind: LimitKind::Cpu,
            limit: 50,
            used: Measured::Cpu(Duration::from_micros(53_400)),
            cpu: Duration::from_millis(53),
            heap_used: 0,
        };
        assert_eq!(breach.to_string(), "cpu limit 50 ms exceeded (53 ms)");
        assert_eq!(breach.kind.code(), "cpu-limit");
        assert_eq!(breach.used.amount(), 53);
        let memory = LimitBreach {
            kind: LimitKind::Memory,
            limit: 32 << 20,
            used: Measured::HeapFull { in_use: 29 << 20 },
            cpu: Duration::ZERO,
            heap_used: 29 << 20,
        };
        assert_eq!(
            memory.to_string(),
            "memory limit 32 MiB exceeded (heap reached its limit with 29 MiB in use)"
        );
        assert_eq!(memory.kind.unit(), "bytes");
        let small = LimitBreach {
            used: Measured::BufferRefused {
                size: 416 << 10,
                buffers: 29 << 20,
                heap: 0,
            },
            ..memory
        };
        assert_eq!(
            small.to_string(),
            "memory limit 32 MiB exceeded (an allocation of 416 KiB refused with 29 MiB of buffers and Blobs and 0 MiB of heap held)"
        );
    }

    #[test]
    fn figures_cross_as_parts_intact() {
        for used in [
            Measured::Cpu(Duration::from_micros(1_234)),
            Measured::Elapsed(Duration::from_millis(1_501)),
            Measured::HeapFull { in_use: 7 },
            Measured::BufferRefused {
                size: 1,
                buffers: 2,
                heap: 3,
            },
            Measured::HeapAndBuffers {
                total: 9,
                buffers: 4,
            },
            Measured::InFlight(5),
            Measured::Fetch(11),
        ] {
            let (tag, parts) = used.to_parts();
            assert_eq!(Measured::from_parts(tag, parts), Some(used));
        }
        assert_eq!(Measured::from_parts(200, [0; 3]), None);
    }
}
