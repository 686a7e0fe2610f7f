//! The clock. Timestamps are UTC and truncated to microseconds, the precision PostgreSQL keeps,
//! so a value reads back the same from either backend.

use chrono::{DateTime, NaiveDateTime, Offset, SubsecRound, Utc};

/// Now, in UTC, at microsecond precision.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// China Standard Time (UTC+8, no daylight saving): court days and due dates are local days.
pub fn china_offset() -> chrono::FixedOffset {
    // 8 hours is always a valid offset.
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// Today's date in China.
pub fn today_local() -> chrono::NaiveDate {
    local_date(now())
}

/// The date in China of a UTC instant.
pub fn local_date(utc: NaiveDateTime) -> chrono::NaiveDate {
    utc.and_utc().with_timezone(&china_offset()).date_naive()
}

/// The UTC instant of a local (China) wall-clock time on `date`.
pub fn local_to_utc(date: chrono::NaiveDate, hour: u32) -> NaiveDateTime {
    let local = date.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    local - chrono::Duration::hours(8)
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
    fn local_days_follow_china_time() {
        let late_utc = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap();
        assert_eq!(
            local_date(late_utc),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        let six_pm = local_to_utc(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), 18);
        assert_eq!(
            six_pm,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap()
        );
    }

    #[test]
    fn now_has_at_most_microsecond_precision() {
        assert_eq!(now().nanosecond() % 1_000, 0);
    }
}
