//! Rate limits on the public progress look-up (`GET /api/v1/public/cases/{code}/progress`),
//! per client address, over a sliding window: a tight cap on *failed* look-ups (unknown, revoked
//! or malformed codes — guessing) and a looser cap on *all* look-ups (an applicant refreshing the
//! page is fine; a script hammering a known code is not). Over either cap the address gets 429
//! with `Retry-After` until the oldest counted look-up leaves the window. Same pattern as the
//! sign-in throttle ([`super::throttle`]): in memory, per node.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked before stale ones are swept (bounds memory under a spray of addresses).
const MAX_KEYS: usize = 100_000;

/// The caps, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupLimits {
    /// Failed look-ups allowed per address within the window.
    pub max_failures: usize,
    /// Look-ups of any outcome allowed per address within the window.
    pub max_lookups: usize,
    pub window: Duration,
}

impl Default for LookupLimits {
    fn default() -> LookupLimits {
        LookupLimits {
            max_failures: 10,
            max_lookups: 60,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Default)]
struct Record {
    lookups: VecDeque<Instant>,
    failures: VecDeque<Instant>,
}

impl Record {
    fn expire(&mut self, now: Instant, window: Duration) {
        for times in [&mut self.lookups, &mut self.failures] {
            while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
                times.pop_front();
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.lookups.is_empty() && self.failures.is_empty()
    }
}

#[derive(Debug)]
pub struct LookupThrottle {
    limits: LookupLimits,
    records: Mutex<HashMap<String, Record>>,
}

impl Default for LookupThrottle {
    fn default() -> LookupThrottle {
        LookupThrottle::new(LookupLimits::default())
    }
}

impl LookupThrottle {
    pub fn new(limits: LookupLimits) -> LookupThrottle {
        LookupThrottle {
            limits,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// Admit a look-up from `address` and count it; otherwise how long to wait.
    pub fn admit(&self, address: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut records) = self.records.lock() else {
            return Ok(());
        };
        let window = self.limits.window;
        if records.len() >= MAX_KEYS {
            records.retain(|_, r| {
                r.expire(now, window);
                !r.is_empty()
            });
        }
        let record = records.entry(address.to_owned()).or_default();
        record.expire(now, window);
        let wait = [
            (&record.failures, self.limits.max_failures),
            (&record.lookups, self.limits.max_lookups),
        ]
        .into_iter()
        .filter(|(times, limit)| times.len() >= *limit)
        .map(|(times, _)| times.front().map_or(window, |t| window - now.duration_since(*t)))
        .max();
        match wait {
            Some(wait) => Err(wait),
            None => {
                record.lookups.push_back(now);
                Ok(())
            }
        }
    }

    /// Count a failed look-up (the code matched no live code).
    pub fn failed(&self, address: &str, now: Instant) {
        if let Ok(mut records) = self.records.lock() {
            records
                .entry(address.to_owned())
                .or_default()
                .failures
                .push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LookupLimits {
        LookupLimits {
            max_failures: 3,
            max_lookups: 5,
            window: Duration::from_secs(600),
        }
    }

    #[test]
    fn failures_lock_the_address_until_the_first_leaves_the_window() {
        let t = LookupThrottle::new(limits());
        let start = Instant::now();
        for i in 0..3 {
            let at = start + Duration::from_secs(i);
            assert_eq!(t.admit("1.2.3.4", at), Ok(()));
            t.failed("1.2.3.4", at);
        }
        let later = start + Duration::from_secs(10);
        assert_eq!(t.admit("1.2.3.4", later), Err(Duration::from_secs(590)));
        assert_eq!(
            t.admit("5.6.7.8", later),
            Ok(()),
            "another address is not affected"
        );
        // The first failure leaves the window: one more try.
        assert_eq!(t.admit("1.2.3.4", start + Duration::from_secs(600)), Ok(()));
    }

    #[test]
    fn successful_lookups_have_a_looser_cap_of_their_own() {
        let t = LookupThrottle::new(limits());
        let now = Instant::now();
        for _ in 0..5 {
            assert_eq!(t.admit("9.9.9.9", now), Ok(()));
        }
        assert_eq!(t.admit("9.9.9.9", now), Err(Duration::from_secs(600)));
        // Refused look-ups are not counted: waiting out the window is enough.
        assert_eq!(t.admit("9.9.9.9", now + Duration::from_secs(600)), Ok(()));
    }
}
