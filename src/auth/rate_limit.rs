//! Request rate limits per partner API key: a token bucket (as the generic cell rate algorithm,
//! which keeps one instant per key instead of a count and a clock). A key may send `burst`
//! requests at once and then one every `60 s / per_minute`; a request beyond that is refused
//! with how long to wait (`429 too_many_requests` with `Retry-After`). Kept in memory per node,
//! like the login throttle: with several nodes a partner gets each node's allowance, which still
//! bounds what one key can ask.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked before idle ones are swept (bounds memory).
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter {
    /// Time between two requests at the sustained rate.
    interval: Duration,
    /// How far ahead of now a key's next free instant may run: `(burst - 1) × interval`.
    tolerance: Duration,
    /// Per key: the instant at which its bucket is full again ("theoretical arrival time").
    next_free: Mutex<HashMap<i64, Instant>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute sustained, `burst` at once (both at least 1).
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        let interval = Duration::from_secs(60) / per_minute.max(1);
        RateLimiter {
            interval,
            tolerance: interval * (burst.max(1) - 1),
            next_free: Mutex::default(),
        }
    }

    /// Take one request for `key` at `now`: Ok, or how long to wait before the next one fits.
    pub fn take(&self, key: i64, now: Instant) -> Result<(), Duration> {
        let Ok(mut next_free) = self.next_free.lock() else {
            return Ok(());
        };
        if next_free.len() >= MAX_KEYS {
            // A key whose instant has passed has a full bucket: forgetting it changes nothing.
            next_free.retain(|_, at| *at > now);
        }
        let at = next_free.get(&key).copied().unwrap_or(now).max(now);
        let ahead = at - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        next_free.insert(key, at + self.interval);
        Ok(())
    }
}

/// Whole seconds for `Retry-After`, rounded up and at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let limiter = RateLimiter::new(60, 3);
        let t = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(1, t), Ok(()));
        }
        let wait = limiter.take(1, t).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert_eq!(
            limiter.take(1, t + Duration::from_millis(999)).unwrap_err(),
            Duration::from_millis(1)
        );
        assert_eq!(limiter.take(1, t + Duration::from_secs(1)), Ok(()));
        assert!(limiter.take(1, t + Duration::from_secs(1)).is_err());
        // After a quiet spell the whole burst is back, and no more.
        let later = t + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.take(1, later), Ok(()));
        }
        assert!(limiter.take(1, later).is_err());
    }

    #[test]
    fn keys_have_their_own_buckets_and_refusals_cost_nothing() {
        let limiter = RateLimiter::new(1, 1);
        let t = Instant::now();
        assert_eq!(limiter.take(7, t), Ok(()));
        assert_eq!(limiter.take(7, t).unwrap_err(), Duration::from_secs(60));
        assert_eq!(
            limiter.take(7, t).unwrap_err(),
            Duration::from_secs(60),
            "a refusal takes nothing"
        );
        assert_eq!(limiter.take(8, t), Ok(()));
        assert_eq!(limiter.take(7, t + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(60)), 60);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
