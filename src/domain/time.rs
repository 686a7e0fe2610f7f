//! The clock. Timestamps are UTC and truncated to microseconds, the precision PostgreSQL keeps,
//! so a value reads back the same from either backend.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Now, in UTC, at microsecond precision.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A stored UTC timestamp as an RFC 3339 instant.
pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn now_has_at_most_microsecond_precision() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
