//! Login throttling: after too many failed sign-ins for one username, or from one client
//! address, within a window, further attempts are refused with 429 and `Retry-After` until the
//! oldest failure leaves the window — a successful sign-in clears the username's failures. Kept
//! in memory per node: with several nodes an attacker gets each node's allowance, which still
//! bounds guessing to a few attempts a minute per account.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per username within the window.
pub const PER_USERNAME: usize = 5;
/// Failures allowed per client address within the window (a shared office NAT has many users).
pub const PER_ADDRESS: usize = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys tracked before old ones are swept (bounds memory under a spray of usernames).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn username_key(username: &str) -> String {
    format!("u:{}", username.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("a:{address}")
}

impl LoginThrottle {
    /// None when an attempt may go ahead; otherwise how long to wait.
    pub fn check(&self, username: &str, address: &str, now: Instant) -> Option<Duration> {
        let Ok(mut failures) = self.failures.lock() else {
            return None;
        };
        [
            (username_key(username), PER_USERNAME),
            (address_key(address), PER_ADDRESS),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let times = failures.get_mut(&key)?;
            while times.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                times.pop_front();
            }
            (times.len() >= limit).then(|| times.front().map_or(WINDOW, |t| WINDOW - now.duration_since(*t)))
        })
        .max()
    }

    /// Count a failed attempt.
    pub fn failed(&self, username: &str, address: &str, now: Instant) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [username_key(username), address_key(address)] {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the username's failures (not the address's).
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&username_key(username));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_username_until_the_first_leaves_the_window() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..PER_USERNAME {
            assert_eq!(t.check("wang", "1.2.3.4", start), None);
            t.failed("wang", "1.2.3.4", start + Duration::from_secs(i as u64));
        }
        let wait = t
            .check("Wang", "5.6.7.8", start + Duration::from_secs(10))
            .unwrap();
        assert_eq!(wait, WINDOW - Duration::from_secs(10));
        assert_eq!(
            t.check("li", "5.6.7.8", start),
            None,
            "another user is not affected"
        );
        assert_eq!(t.check("wang", "1.2.3.4", start + WINDOW), None);
    }

    #[test]
    fn one_address_spraying_usernames_is_stopped_and_success_clears_the_user() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            t.failed(&format!("user{i}"), "9.9.9.9", now);
        }
        assert!(t.check("someone-new", "9.9.9.9", now).is_some());
        assert_eq!(t.check("someone-new", "8.8.8.8", now), None);
        t.failed("zhao", "7.7.7.7", now);
        t.succeeded("zhao");
        assert_eq!(t.failures.lock().unwrap().get("u:zhao"), None);
    }
}
