//! What a partner department's API key may check: a budget of identities per minute and per day.
//!
//! A request rate alone does not bound a sweep of ID-number space, since one request carries up
//! to 1,000 identities; so each key is budgeted in the identities it has checked. Two budgets
//! hold at once:
//!
//! - **per minute**, refilling continuously (the generic cell rate algorithm with a cost per
//!   identity): a key may spend a whole minute's allowance at once, and it comes back at
//!   `per_minute` identities a minute. The state is one instant, when the allowance is whole
//!   again, so there is no window edge at which twice the allowance could be spent, and the wait
//!   a refusal names is exact;
//! - **per day**, a count for the China-local day (court days are local days), starting from zero
//!   at local midnight.
//!
//! A request is taken whole or refused whole, and a refused one costs nothing. A request larger
//! than a whole budget could never be taken and is refused as such rather than told to wait.
//! Pure: the service keeps the [`Usage`] in the database, in the check's own transaction.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::names::ValidationError;
use super::time;

/// Most identities a key may be given per minute.
pub const MAX_PER_MINUTE: i64 = 1_000_000;
/// Most identities a key may be given per day.
pub const MAX_PER_DAY: i64 = 100_000_000;

/// A key's budgets, in identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    pub per_minute: i64,
    pub per_day: i64,
}

/// A key's own per-minute budget as an admin gives it: 1 to [`MAX_PER_MINUTE`] identities.
pub fn per_minute(raw: i64) -> Result<i64, ValidationError> {
    within(raw, MAX_PER_MINUTE)
}

/// A key's own per-day budget as an admin gives it: 1 to [`MAX_PER_DAY`] identities.
pub fn per_day(raw: i64) -> Result<i64, ValidationError> {
    within(raw, MAX_PER_DAY)
}

fn within(raw: i64, max: i64) -> Result<i64, ValidationError> {
    if (1..=max).contains(&raw) {
        Ok(raw)
    } else {
        Err(ValidationError::new(format!(
            "must be a whole number of identities from 1 to {max}, or null for the server's default"
        )))
    }
}

/// Which budget a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Minute,
    Day,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Minute => "minute",
            Period::Day => "day",
        }
    }
}

/// What a key has spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// When the per-minute allowance is whole again; in the past when it already is.
    pub minute_full_at: NaiveDateTime,
    /// The local day `day_identities` counts.
    pub counted_on: NaiveDate,
    pub day_identities: i64,
}

impl Usage {
    /// Identities checked on the local day of `now` (zero once that day has passed).
    pub fn spent_today(&self, now: NaiveDateTime) -> i64 {
        if self.counted_on == time::local_date(now) {
            self.day_identities
        } else {
            0
        }
    }
}

/// Why a request was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request alone holds more identities than the whole budget: it can never be taken.
    LargerThanBudget { period: Period, limit: i64 },
    /// The budget is spent for now; the request fits after `wait`.
    Spent {
        period: Period,
        limit: i64,
        wait: Duration,
    },
}

/// The allowance `identities` use up, as time: a minute per `per_minute` identities, to the
/// microsecond (the clock's precision). Rounded down, so a whole minute's allowance spent one
/// identity at a time fits exactly; what that lets through over time is under a microsecond per
/// request — one identity in millions of requests.
fn cost(identities: i64, per_minute: i64) -> Duration {
    let micros = 60_000_000 * identities / per_minute.max(1);
    Duration::microseconds(micros)
}

/// Take `identities` from the budgets at `now`: the usage after the request, or why not. Both
/// budgets are judged before anything is spent.
pub fn spend(
    budgets: Budgets,
    usage: Option<Usage>,
    identities: i64,
    now: NaiveDateTime,
) -> Result<Usage, Refusal> {
    for (period, limit) in [
        (Period::Minute, budgets.per_minute),
        (Period::Day, budgets.per_day),
    ] {
        if identities > limit {
            return Err(Refusal::LargerThanBudget { period, limit });
        }
    }
    let today = time::local_date(now);
    let full_at = usage.map_or(now, |u| u.minute_full_at).max(now);
    let new_full_at = full_at + cost(identities, budgets.per_minute);
    let ahead = new_full_at - now;
    let window = Duration::minutes(1);
    if ahead > window {
        return Err(Refusal::Spent {
            period: Period::Minute,
            limit: budgets.per_minute,
            wait: ahead - window,
        });
    }
    let spent_today = usage.map_or(0, |u| u.spent_today(now));
    if spent_today + identities > budgets.per_day {
        let next_midnight = time::local_to_utc(today + Duration::days(1), 0);
        return Err(Refusal::Spent {
            period: Period::Day,
            limit: budgets.per_day,
            wait: next_midnight - now,
        });
    }
    Ok(Usage {
        minute_full_at: new_full_at,
        counted_on: today,
        day_identities: spent_today + identities,
    })
}

/// The day's spending at which admins are warned: `percent` of the daily budget, rounded up.
pub fn alert_threshold(per_day: i64, percent: u8) -> i64 {
    ((per_day * i64::from(percent) + 99) / 100).max(1)
}

/// Whether a request that took the day's spending from `before` to `after` crossed the alert
/// threshold: exactly one request of the day does (requests of one key take turns).
pub fn crossed_alert(per_day: i64, percent: u8, before: i64, after: i64) -> bool {
    let threshold = alert_threshold(per_day, percent);
    before < threshold && threshold <= after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    const B: Budgets = Budgets {
        per_minute: 100,
        per_day: 250,
    };

    #[test]
    fn a_whole_minute_may_be_spent_at_once_and_comes_back_continuously() {
        let t = at(2, 0, 0);
        let u = spend(B, None, 100, t).unwrap();
        assert_eq!(u.minute_full_at, t + Duration::minutes(1));
        // Nothing left now; one identity comes back every 0.6 s.
        let refused = spend(B, Some(u), 1, t).unwrap_err();
        assert_eq!(
            refused,
            Refusal::Spent {
                period: Period::Minute,
                limit: 100,
                wait: Duration::milliseconds(600)
            }
        );
        assert!(spend(B, Some(u), 10, t + Duration::seconds(6)).is_ok());
        assert!(spend(B, Some(u), 11, t + Duration::seconds(6)).is_err());
    }

    #[test]
    fn a_refused_request_costs_nothing_and_the_wait_is_exact() {
        let t = at(2, 0, 0);
        let u = spend(B, None, 60, t).unwrap();
        let Err(Refusal::Spent { wait, .. }) = spend(B, Some(u), 50, t) else {
            panic!("60 + 50 is more than 100 a minute");
        };
        assert_eq!(wait, Duration::seconds(6));
        // The refusal changed nothing: 40 still fit at once, and 50 fit after the wait.
        assert!(spend(B, Some(u), 40, t).is_ok());
        assert!(spend(B, Some(u), 50, t + wait).is_ok());
    }

    #[test]
    fn the_day_counts_local_days_and_refuses_until_local_midnight() {
        // 15:00 UTC is 23:00 in China.
        let t = at(15, 0, 0);
        let mut u = spend(B, None, 100, t).unwrap();
        u = spend(B, Some(u), 100, t + Duration::minutes(2)).unwrap();
        assert_eq!(u.day_identities, 200);
        let refused = spend(B, Some(u), 100, t + Duration::minutes(4)).unwrap_err();
        assert_eq!(
            refused,
            Refusal::Spent {
                period: Period::Day,
                limit: 250,
                wait: Duration::minutes(56)
            }
        );
        // 16:00 UTC is local midnight: a new day.
        let next = spend(B, Some(u), 100, at(16, 0, 0)).unwrap();
        assert_eq!(next.day_identities, 100);
        assert_eq!(next.counted_on, NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
        assert_eq!(u.spent_today(at(16, 0, 0)), 0);
    }

    #[test]
    fn a_request_larger_than_a_whole_budget_is_never_taken() {
        assert_eq!(
            spend(B, None, 101, at(2, 0, 0)),
            Err(Refusal::LargerThanBudget {
                period: Period::Minute,
                limit: 100
            })
        );
        let small_day = Budgets {
            per_minute: 1000,
            per_day: 500,
        };
        assert_eq!(
            spend(small_day, None, 501, at(2, 0, 0)),
            Err(Refusal::LargerThanBudget {
                period: Period::Day,
                limit: 500
            })
        );
    }

    #[test]
    fn odd_budgets_never_let_more_through_than_allowed() {
        let b = Budgets {
            per_minute: 7,
            per_day: 1_000,
        };
        let t = at(2, 0, 0);
        let mut u = None;
        for _ in 0..7 {
            u = Some(spend(b, u, 1, t).unwrap());
        }
        assert!(spend(b, u, 1, t).is_err());
    }

    #[test]
    fn admins_give_budgets_within_bounds() {
        assert_eq!(per_minute(1), Ok(1));
        assert_eq!(per_day(MAX_PER_DAY), Ok(MAX_PER_DAY));
        assert!(per_minute(0).is_err());
        assert!(per_minute(-5).is_err());
        assert!(per_minute(MAX_PER_MINUTE + 1).is_err());
    }

    #[test]
    fn the_alert_is_crossed_once() {
        assert_eq!(alert_threshold(250, 80), 200);
        assert_eq!(alert_threshold(3, 80), 3);
        assert!(crossed_alert(250, 80, 150, 200));
        assert!(crossed_alert(250, 80, 199, 250));
        assert!(!crossed_alert(250, 80, 200, 210));
        assert!(!crossed_alert(250, 80, 100, 199));
    }
}
