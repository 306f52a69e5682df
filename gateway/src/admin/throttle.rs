//! Rate limits on what a tenant's token may write through `/v1` (the operator's token is
//! not limited). Each upload is load-checked in an isolate and stored, so a leaked or
//! hostile tenant token must not make the gateway do that without bound: per token,
//! [`UPLOADS`] uploads at once and one more every [`UPLOAD_EVERY`], and [`WRITES`] other
//! writes at once and [`WRITES_PER_SECOND`] more a second (GCRA, through `governor`). Each
//! gateway keeps its own counts.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::clock::DefaultClock;
use governor::DefaultKeyedRateLimiter;
use governor::Quota;

/// Uploads a tenant token may make at once.
pub(super) const UPLOADS: u32 = 10;

/// How often a tenant token may upload one more, sustained.
pub(super) const UPLOAD_EVERY: Duration = Duration::from_secs(3);

/// Other writes (deployments, secrets, …) a tenant token may make at once.
pub(super) const WRITES: u32 = 60;

/// Other writes a tenant token may make a second, sustained.
pub(super) const WRITES_PER_SECOND: u32 = 5;

/// Tokens counted past which those whose limits are full again are forgotten.
const MOST_TRACKED: usize = 1024;

/// The per-token limits.
#[derive(Debug)]
pub struct Throttle {
    uploads: DefaultKeyedRateLimiter<String>,
    writes: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Default for Throttle {
    fn default() -> Self {
        let burst = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let uploads = Quota::with_period(UPLOAD_EVERY)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst(UPLOADS));
        let writes = Quota::per_second(burst(WRITES_PER_SECOND)).allow_burst(burst(WRITES));
        Self {
            uploads: DefaultKeyedRateLimiter::hashmap(uploads),
            writes: DefaultKeyedRateLimiter::hashmap(writes),
            clock: DefaultClock::default(),
        }
    }
}

impl Throttle {
    /// Counts one write (an upload when `upload`) by the tenant token `token`; `Err` with
    /// the whole seconds to wait when it is over its limit.
    pub fn admit(&self, token: &str, upload: bool) -> Result<(), u64> {
        let limiter = if upload { &self.uploads } else { &self.writes };
        if limiter.len() > MOST_TRACKED {
            self.tidy();
        }
        let key = token.to_owned();
        match limiter.check_key(&key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
        }
    }

    /// Forgets tokens whose limits are full again, so the counts stay as small as the
    /// tokens in use.
    fn tidy(&self) {
        self.uploads.retain_recent();
        self.writes.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_past_its_burst_waits_and_another_token_does_not() {
        let throttle = Throttle::default();
        for _ in 0..UPLOADS {
            assert_eq!(throttle.admit("alpha/ci", true), Ok(()));
        }
        let wait = throttle.admit("alpha/ci", true).unwrap_err();
        assert!((1..=UPLOAD_EVERY.as_secs()).contains(&wait), "{wait}");
        assert_eq!(throttle.admit("beta/ci", true), Ok(()));
        // Uploads and other writes are counted apart.
        assert_eq!(throttle.admit("alpha/ci", false), Ok(()));
        for _ in 1..WRITES {
            assert_eq!(throttle.admit("alpha/ci", false), Ok(()));
        }
        assert!(throttle.admit("alpha/ci", false).is_err());
        throttle.tidy();
    }
}
