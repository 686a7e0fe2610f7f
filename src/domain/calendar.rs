//! The working-day calendar: which dates are working days under the Chinese public-holiday
//! arrangements, and due-date arithmetic counted in working days ("N 个工作日内").
//!
//! A date is a working day when it is listed as a make-up working day (调休上班); otherwise it is
//! not when it is listed as a holiday; otherwise Monday to Friday are working days. The lists come
//! from a JSON file: `calendar/cn.json` is embedded in the binary ([`WorkCalendar::builtin`]), and a
//! replacement in the same format can be loaded with [`WorkCalendar::from_json`] (the caller reads
//! the file named by configuration; this module does no I/O).
//!
//! # File format
//!
//! ```json
//! {
//!   "source": "State Council General Office notice on 2026 holiday arrangements (…)",
//!   "notes": ["optional free text"],
//!   "years": {
//!     "2026": {
//!       "status": "official",
//!       "notes": ["optional free text, e.g. what is uncertain"],
//!       "holidays": ["2026-01-01", "2026-01-02", "2026-01-03"],
//!       "workdays": ["2026-01-04"]
//!     },
//!     "2027": { "status": "provisional", "holidays": ["2027-01-01"], "workdays": [] }
//!   }
//! }
//! ```
//!
//! - `source` (required): where the data comes from.
//! - `years` (required, at least one): keyed by the year written as a plain number in a string.
//! - `status` (required): `"official"` when the year follows the State Council's annual notice,
//!   `"provisional"` when that notice was not known and the year lists only the statutory holiday
//!   days the law fixes (no 调休, no weekday substitutes), so it must be replaced when the notice
//!   is published. [`WorkCalendar::years`] reports which is which.
//! - `holidays` (required): every day off of every holiday block, `YYYY-MM-DD`, including the
//!   weekend days inside a block (redundant but keeps the list readable against the notice).
//! - `workdays` (required, may be empty): weekend days that are working days (调休上班).
//! - `notes` (optional, top level and per year): free text, ignored by the code.
//!
//! Unknown fields are rejected so that a misspelt key in a replacement file fails loudly instead of
//! silently dropping holidays. A file is also rejected when a date is malformed, listed under a
//! year it does not belong to, listed twice, listed both as holiday and workday, or when a workday
//! is not a Saturday or Sunday.
//!
//! Outside the covered years every Monday–Friday counts as a working day; callers that care can
//! ask [`WorkCalendar::covers`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound::{Excluded, Unbounded};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar shipped with the service.
const BUILTIN_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/calendar/cn.json"));

/// Why a calendar file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Not JSON, or not the expected shape (missing or unknown field, bad status, wrong type).
    #[error("calendar file is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// A key of `years` that is not a plain year number.
    #[error("calendar year key {0:?} is not a year")]
    BadYear(String),
    /// A listed date that is not a valid `YYYY-MM-DD` date.
    #[error("calendar year {year}: {value:?} is not a valid YYYY-MM-DD date")]
    BadDate {
        /// The year the date was listed under.
        year: i32,
        /// The text as found in the file.
        value: String,
    },
    /// A date listed under a year other than its own.
    #[error("calendar year {year}: {date} belongs to another year")]
    OutsideYear {
        /// The year the date was listed under.
        year: i32,
        /// The misplaced date.
        date: NaiveDate,
    },
    /// A date listed twice in the same list.
    #[error("calendar lists {0} twice")]
    Duplicate(NaiveDate),
    /// A date listed both as a holiday and as a make-up working day.
    #[error("calendar lists {0} both as a holiday and as a working day")]
    HolidayAndWorkday(NaiveDate),
    /// A make-up working day that is a weekday: it would already be a working day, so the entry
    /// is certainly a mistake (most likely a mistyped date).
    #[error("calendar lists {date} as a make-up working day but it is a {weekday}, not a weekend day")]
    WorkdayNotWeekend {
        /// The listed date.
        date: NaiveDate,
        /// Its day of the week.
        weekday: Weekday,
    },
    /// A calendar without any year, which would silently turn every holiday into a working day.
    #[error("calendar covers no year")]
    NoYears,
}

/// The working-day calendar: listed holidays and make-up working days for the covered years,
/// Monday–Friday elsewhere.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    source: String,
    /// Covered year → whether its data is official.
    years: BTreeMap<i32, bool>,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Official,
    Provisional,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    source: String,
    // Accepted so the file can explain itself; nothing reads it.
    #[serde(default, rename = "notes")]
    _notes: Vec<String>,
    years: BTreeMap<String, YearRepr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearRepr {
    status: Status,
    #[serde(default, rename = "notes")]
    _notes: Vec<String>,
    holidays: Vec<String>,
    workdays: Vec<String>,
}

impl WorkCalendar {
    /// The calendar shipped with the service (calendar/cn.json).
    pub fn builtin() -> Result<WorkCalendar, CalendarError> {
        Self::from_json(BUILTIN_JSON)
    }

    /// A replacement calendar (same format), e.g. from a file named by configuration.
    pub fn from_json(text: &str) -> Result<WorkCalendar, CalendarError> {
        let file: FileRepr = serde_json::from_str(text)?;
        if file.years.is_empty() {
            return Err(CalendarError::NoYears);
        }
        let mut years = BTreeMap::new();
        let mut holidays = BTreeSet::new();
        let mut workdays = BTreeSet::new();
        for (key, data) in &file.years {
            let year = parse_year(key)?;
            years.insert(year, data.status == Status::Official);
            for value in &data.holidays {
                let date = parse_date_in(year, value)?;
                if !holidays.insert(date) {
                    return Err(CalendarError::Duplicate(date));
                }
            }
            for value in &data.workdays {
                let date = parse_date_in(year, value)?;
                if is_weekday(date.weekday()) {
                    return Err(CalendarError::WorkdayNotWeekend {
                        date,
                        weekday: date.weekday(),
                    });
                }
                if !workdays.insert(date) {
                    return Err(CalendarError::Duplicate(date));
                }
            }
        }
        if let Some(date) = holidays.intersection(&workdays).next() {
            return Err(CalendarError::HolidayAndWorkday(*date));
        }
        Ok(WorkCalendar {
            source: file.source,
            years,
            holidays,
            workdays,
        })
    }

    /// Where the calendar's data comes from (the file's `source` field).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Years the calendar has data for, in ascending order, and whether each is official
    /// (`false` means provisional: the State Council notice was not yet known).
    pub fn years(&self) -> Vec<(i32, bool /*official*/)> {
        self.years
            .iter()
            .map(|(year, official)| (*year, *official))
            .collect()
    }

    /// Whether `date` is a working day: a listed workday → true; a listed holiday → false;
    /// otherwise Monday–Friday.
    /// Outside the covered years the Monday–Friday rule applies (callers can check `covers`).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        if self.holidays.contains(&date) {
            return false;
        }
        is_weekday(date.weekday())
    }

    /// Whether the calendar has data (official or provisional) for the year of `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// The date `n` working days after `start` (start itself not counted; n = 0 → start if it is
    /// a working day, else the next working day).
    ///
    /// Saturates at [`NaiveDate::MAX`] (year 262142) rather than overflowing, which only an
    /// absurd `n` can reach.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        if n == 0 {
            while !self.is_working_day(date) {
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => return NaiveDate::MAX,
                }
            }
            return date;
        }
        let mut remaining = n;
        loop {
            // Jump whole weeks where nothing is listed so a huge `n` costs O(listed dates), not O(n).
            let weeks = self.plain_weeks_ahead(date, remaining);
            if weeks > 0 {
                match date.checked_add_days(Days::new(7 * u64::from(weeks))) {
                    Some(later) => date = later,
                    None => return NaiveDate::MAX,
                }
                // weeks <= (remaining - 1) / 5, so at least one working day is still to be found.
                remaining -= 5 * weeks;
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => return NaiveDate::MAX,
            }
            if self.is_working_day(date) {
                remaining -= 1;
                if remaining == 0 {
                    return date;
                }
            }
        }
    }

    /// Working days strictly after `from` up to and including `to` (0 if to <= from).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let Some(first) = from.succ_opt() else {
            return 0;
        };
        // Count Monday–Friday arithmetically, then correct for the listed dates in the range.
        let weekdays = weekdays_in(first, to);
        let weekday_holidays = self
            .holidays
            .range(first..=to)
            .filter(|date| is_weekday(date.weekday()))
            .count();
        let workdays = self.workdays.range(first..=to).count();
        let total = weekdays.saturating_sub(weekday_holidays as u64) + workdays as u64;
        // The whole representable date range has fewer than u32::MAX weekdays.
        u32::try_from(total).unwrap_or(u32::MAX)
    }

    /// How many whole weeks after `date` can be skipped while counting `remaining` working days:
    /// weeks containing no listed date (so exactly five working days each), keeping at least one
    /// working day to be found by stepping so the result lands on a checked working day.
    fn plain_weeks_ahead(&self, date: NaiveDate, remaining: u32) -> u32 {
        let by_count = remaining.saturating_sub(1) / 5;
        if by_count == 0 {
            return 0;
        }
        let next_listed = [
            self.holidays.range((Excluded(date), Unbounded)).next(),
            self.workdays.range((Excluded(date), Unbounded)).next(),
        ]
        .into_iter()
        .flatten()
        .min();
        match next_listed {
            // Days date+1 ..= date+7w must all come before the next listed date.
            Some(next) => {
                let by_listed = ((*next - date).num_days() - 1) / 7;
                by_count.min(u32::try_from(by_listed).unwrap_or(u32::MAX))
            }
            None => by_count,
        }
    }
}

fn is_weekday(weekday: Weekday) -> bool {
    !matches!(weekday, Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days in `first..=last` (`first <= last`).
fn weekdays_in(first: NaiveDate, last: NaiveDate) -> u64 {
    let days = u64::try_from((last - first).num_days() + 1).unwrap_or(0);
    let mut count = days / 7 * 5;
    // After the whole weeks, the leftover days start on the same weekday as `first`.
    let mut weekday = first.weekday();
    for _ in 0..days % 7 {
        if is_weekday(weekday) {
            count += 1;
        }
        weekday = weekday.succ();
    }
    count
}

fn parse_year(key: &str) -> Result<i32, CalendarError> {
    let bad = || CalendarError::BadYear(key.to_owned());
    let year: i32 = key.parse().map_err(|_| bad())?;
    // Only the canonical spelling, so "+2026" or "02026" cannot pose as a second 2026.
    if year.to_string() != key || NaiveDate::from_ymd_opt(year, 1, 1).is_none() {
        return Err(bad());
    }
    Ok(year)
}

fn parse_date_in(year: i32, value: &str) -> Result<NaiveDate, CalendarError> {
    let bad = || CalendarError::BadDate {
        year,
        value: value.to_owned(),
    };
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
    // chrono accepts unpadded fields; insist on the canonical form the format documents.
    if date.format("%Y-%m-%d").to_string() != value {
        return Err(bad());
    }
    if date.year() != year {
        return Err(CalendarError::OutsideYear { year, date });
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn builtin() -> WorkCalendar {
        WorkCalendar::builtin().expect("builtin calendar parses")
    }

    fn days(first: &str, last: &str) -> Vec<NaiveDate> {
        d(first).iter_days().take_while(|date| *date <= d(last)).collect()
    }

    /// Reference implementation: one day at a time.
    fn naive_add(cal: &WorkCalendar, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        if n == 0 {
            while !cal.is_working_day(date) {
                date = date.succ_opt().expect("in range");
            }
            return date;
        }
        let mut left = n;
        loop {
            date = date.succ_opt().expect("in range");
            if cal.is_working_day(date) {
                left -= 1;
                if left == 0 {
                    return date;
                }
            }
        }
    }

    /// Reference implementation: one day at a time.
    fn naive_between(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|date| *date <= to)
            .filter(|date| cal.is_working_day(*date))
            .count() as u32
    }

    fn year_json(year: &str, holidays: &str, workdays: &str) -> String {
        format!(
            r#"{{"source":"test","years":{{"{year}":{{"status":"official","holidays":[{holidays}],"workdays":[{workdays}]}}}}}}"#
        )
    }

    // ---- the shipped data ----

    #[test]
    fn builtin_parses_and_reports_years() {
        let cal = builtin();
        assert_eq!(cal.years(), vec![(2026, true), (2027, false)]);
        assert!(cal.source().contains("2026"));
    }

    #[test]
    fn builtin_2026_blocks_are_off() {
        let cal = builtin();
        let blocks = [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ];
        let mut listed = 0;
        for (first, last) in blocks {
            for date in days(first, last) {
                assert!(!cal.is_working_day(date), "{date} should be off");
                listed += 1;
            }
        }
        assert_eq!(listed, 33);
        assert_eq!(cal.holidays.iter().filter(|date| date.year() == 2026).count(), 33);
    }

    #[test]
    fn builtin_2026_make_up_days_are_on() {
        let cal = builtin();
        let make_up = [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ];
        for text in make_up {
            let date = d(text);
            assert!(
                matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                "{date} is a weekend day"
            );
            assert!(cal.is_working_day(date), "{date} should be worked");
        }
        assert_eq!(
            cal.workdays.iter().filter(|date| date.year() == 2026).count(),
            make_up.len()
        );
    }

    #[test]
    fn builtin_2026_days_just_outside_blocks_are_on() {
        let cal = builtin();
        for text in [
            "2025-12-31",
            "2026-02-13",
            "2026-02-24",
            "2026-04-03",
            "2026-04-07",
            "2026-05-06",
        ] {
            assert!(cal.is_working_day(d(text)), "{text}");
        }
        for text in [
            "2026-06-18",
            "2026-06-22",
            "2026-09-24",
            "2026-09-28",
            "2026-09-30",
            "2026-10-08",
        ] {
            assert!(cal.is_working_day(d(text)), "{text}");
        }
        // Ordinary weekends stay off.
        assert!(!cal.is_working_day(d("2026-11-28")));
        assert!(!cal.is_working_day(d("2026-11-29")));
    }

    #[test]
    fn builtin_2026_has_weekdays_minus_thirteen_statutory_days() {
        // Every 调休 arrangement preserves the total: 261 weekdays less the 13 statutory days.
        let cal = builtin();
        assert_eq!(weekdays_in(d("2026-01-01"), d("2026-12-31")), 261);
        assert_eq!(cal.working_days_between(d("2025-12-31"), d("2026-12-31")), 248);
    }

    #[test]
    fn builtin_2027_is_statutory_days_only() {
        let cal = builtin();
        let expected: Vec<NaiveDate> = [
            "2027-01-01",
            "2027-02-05",
            "2027-02-06",
            "2027-02-07",
            "2027-02-08",
            "2027-04-05",
            "2027-05-01",
            "2027-05-02",
            "2027-06-09",
            "2027-09-15",
            "2027-10-01",
            "2027-10-02",
            "2027-10-03",
        ]
        .into_iter()
        .map(d)
        .collect();
        let listed: Vec<NaiveDate> = cal
            .holidays
            .iter()
            .copied()
            .filter(|date| date.year() == 2027)
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(cal.workdays.iter().filter(|date| date.year() == 2027).count(), 0);
        // No weekday substitutes yet: the Tuesday after 春节 counts as worked until the notice lands.
        assert!(!cal.is_working_day(d("2027-02-08")));
        assert!(cal.is_working_day(d("2027-02-09")));
        // 261 weekdays, 7 statutory days on weekdays.
        assert_eq!(cal.working_days_between(d("2026-12-31"), d("2027-12-31")), 254);
    }

    // ---- coverage ----

    #[test]
    fn covers_only_listed_years() {
        let cal = builtin();
        assert!(!cal.covers(d("2025-12-31")));
        assert!(cal.covers(d("2026-01-01")));
        assert!(cal.covers(d("2027-12-31")));
        assert!(!cal.covers(d("2028-01-01")));
    }

    #[test]
    fn uncovered_years_use_monday_to_friday() {
        let cal = builtin();
        // 2025-10-01 was a holiday in reality, but 2025 is not in the calendar.
        assert!(cal.is_working_day(d("2025-10-01")));
        assert!(!cal.is_working_day(d("2025-10-04")));
        assert!(cal.is_working_day(d("2028-01-03")));
        assert!(!cal.is_working_day(d("2028-01-01")));
    }

    // ---- add_working_days ----

    #[test]
    fn add_across_spring_festival() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14")); // make-up Saturday
        assert_eq!(cal.add_working_days(d("2026-02-13"), 2), d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-02-14"), 1), d("2026-02-24"));
        assert_eq!(cal.add_working_days(d("2026-02-12"), 5), d("2026-02-26"));
        assert_eq!(cal.add_working_days(d("2026-02-24"), 4), d("2026-02-28")); // make-up Saturday
        assert_eq!(cal.add_working_days(d("2026-02-24"), 5), d("2026-03-02"));
    }

    #[test]
    fn add_across_national_day() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2026-09-18"), 1), d("2026-09-20")); // make-up Sunday
        assert_eq!(cal.add_working_days(d("2026-09-18"), 2), d("2026-09-21"));
        assert_eq!(cal.add_working_days(d("2026-09-24"), 1), d("2026-09-28")); // over 中秋
        assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(cal.add_working_days(d("2026-09-30"), 3), d("2026-10-10")); // make-up Saturday
        assert_eq!(cal.add_working_days(d("2026-09-30"), 4), d("2026-10-12"));
        assert_eq!(cal.add_working_days(d("2026-10-03"), 1), d("2026-10-08"));
    }

    #[test]
    fn add_across_new_year_into_make_up_sunday() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2025-12-31"), 1), d("2026-01-04"));
        assert_eq!(cal.add_working_days(d("2025-12-31"), 2), d("2026-01-05"));
    }

    #[test]
    fn add_from_weekend_start() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2026-11-28"), 1), d("2026-11-30"));
        assert_eq!(cal.add_working_days(d("2026-11-29"), 1), d("2026-11-30"));
        assert_eq!(cal.add_working_days(d("2026-11-29"), 5), d("2026-12-04"));
        assert_eq!(cal.add_working_days(d("2026-11-29"), 6), d("2026-12-07"));
    }

    #[test]
    fn add_zero_days() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2026-11-27"), 0), d("2026-11-27")); // Friday
        assert_eq!(cal.add_working_days(d("2026-11-28"), 0), d("2026-11-30")); // Saturday
        assert_eq!(cal.add_working_days(d("2026-10-01"), 0), d("2026-10-08")); // holiday
        assert_eq!(cal.add_working_days(d("2026-09-20"), 0), d("2026-09-20")); // make-up Sunday
    }

    #[test]
    fn add_matches_day_by_day_reference() {
        let cal = builtin();
        for start in days("2025-11-01", "2028-02-29") {
            for n in 0..=45 {
                assert_eq!(
                    cal.add_working_days(start, n),
                    naive_add(&cal, start, n),
                    "{start} + {n}"
                );
            }
        }
    }

    #[test]
    fn add_large_n_matches_reference_across_sparse_years() {
        let json = r#"{"source":"t","years":{
            "2026":{"status":"official","holidays":["2026-10-01","2026-10-02"],"workdays":["2026-10-10"]},
            "2031":{"status":"provisional","holidays":["2031-01-01","2031-05-01","2031-05-02"],"workdays":[]}}}"#;
        let cal = WorkCalendar::from_json(json).expect("valid");
        for start in [
            "2020-01-01",
            "2020-01-04",
            "2026-09-30",
            "2026-10-03",
            "2030-12-31",
        ] {
            for n in [1, 4, 5, 6, 11, 250, 1_000, 1_303, 4_000] {
                assert_eq!(
                    cal.add_working_days(d(start), n),
                    naive_add(&cal, d(start), n),
                    "{start} + {n}"
                );
            }
        }
    }

    #[test]
    fn add_huge_n_saturates_without_hanging() {
        let cal = builtin();
        assert_eq!(cal.add_working_days(d("2026-01-01"), u32::MAX), NaiveDate::MAX);
        let near_end = NaiveDate::MAX.pred_opt().expect("in range");
        assert!(cal.add_working_days(near_end, 3) <= NaiveDate::MAX);
    }

    // ---- working_days_between ----

    #[test]
    fn between_basic_cases() {
        let cal = builtin();
        assert_eq!(cal.working_days_between(d("2026-09-30"), d("2026-10-08")), 1);
        assert_eq!(cal.working_days_between(d("2026-09-30"), d("2026-10-10")), 3);
        assert_eq!(cal.working_days_between(d("2026-02-13"), d("2026-02-24")), 2);
        assert_eq!(cal.working_days_between(d("2026-11-27"), d("2026-11-29")), 0);
        assert_eq!(cal.working_days_between(d("2026-11-27"), d("2026-11-30")), 1);
    }

    #[test]
    fn between_is_zero_when_to_not_after_from() {
        let cal = builtin();
        assert_eq!(cal.working_days_between(d("2026-11-27"), d("2026-11-27")), 0);
        assert_eq!(cal.working_days_between(d("2026-11-30"), d("2026-11-27")), 0);
        assert_eq!(cal.working_days_between(NaiveDate::MAX, NaiveDate::MAX), 0);
    }

    #[test]
    fn between_is_consistent_with_add() {
        let cal = builtin();
        for start in days("2025-11-01", "2028-02-29") {
            for n in 1..=45 {
                let due = cal.add_working_days(start, n);
                assert!(cal.is_working_day(due), "{start} + {n} = {due} is a working day");
                assert_eq!(cal.working_days_between(start, due), n, "{start} .. {due}");
                let day_before = due.pred_opt().expect("in range");
                assert_eq!(
                    cal.working_days_between(start, day_before),
                    n - 1,
                    "{start} .. {day_before}"
                );
            }
            let first = cal.add_working_days(start, 0);
            let expected = u32::from(first != start);
            assert_eq!(cal.working_days_between(start, first), expected, "{start} + 0");
        }
    }

    #[test]
    fn between_matches_day_by_day_reference() {
        let cal = builtin();
        let from_dates = days("2025-12-20", "2026-01-10");
        for from in &from_dates {
            for to in days("2025-12-15", "2028-01-15").into_iter().step_by(3) {
                assert_eq!(
                    cal.working_days_between(*from, to),
                    naive_between(&cal, *from, to),
                    "{from}..{to}"
                );
            }
        }
    }

    #[test]
    fn between_over_the_whole_date_range_does_not_overflow() {
        let cal = builtin();
        let count = cal.working_days_between(NaiveDate::MIN, NaiveDate::MAX);
        assert!(count > 100_000_000 && count < u32::MAX);
    }

    #[test]
    fn weekdays_in_counts_partial_weeks() {
        // 2026-11-23 is a Monday.
        assert_eq!(weekdays_in(d("2026-11-23"), d("2026-11-23")), 1);
        assert_eq!(weekdays_in(d("2026-11-23"), d("2026-11-29")), 5);
        assert_eq!(weekdays_in(d("2026-11-28"), d("2026-11-29")), 0);
        assert_eq!(weekdays_in(d("2026-11-27"), d("2026-11-30")), 2);
        assert_eq!(weekdays_in(d("2026-11-28"), d("2026-12-12")), 10);
    }

    // ---- from_json ----

    #[test]
    fn from_json_accepts_minimal_and_reports_status() {
        let json = r#"{"source":"s","notes":["n"],"years":{
            "2030":{"status":"provisional","holidays":[],"workdays":[]},
            "2029":{"status":"official","notes":["x"],"holidays":["2029-01-01"],"workdays":["2029-01-06"]}}}"#;
        let cal = WorkCalendar::from_json(json).expect("valid");
        assert_eq!(cal.years(), vec![(2029, true), (2030, false)]);
        assert_eq!(cal.source(), "s");
        assert!(!cal.is_working_day(d("2029-01-01")));
        assert!(cal.is_working_day(d("2029-01-06")));
    }

    #[test]
    fn from_json_rejects_bad_json() {
        for text in ["", "not json", "{", "[]", r#"{"source":"s"}"#, r#"{"years":{}}"#] {
            assert!(
                matches!(WorkCalendar::from_json(text), Err(CalendarError::Json(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn from_json_rejects_wrong_shape() {
        let unknown_field =
            r#"{"source":"s","years":{"2026":{"status":"official","holiday":[],"workdays":[]}}}"#;
        let bad_status = r#"{"source":"s","years":{"2026":{"status":"final","holidays":[],"workdays":[]}}}"#;
        let missing_list = r#"{"source":"s","years":{"2026":{"status":"official","holidays":[]}}}"#;
        let wrong_type =
            r#"{"source":"s","years":{"2026":{"status":"official","holidays":"2026-01-01","workdays":[]}}}"#;
        let top_level_extra = r#"{"source":"s","extra":1,"years":{}}"#;
        for text in [
            unknown_field,
            bad_status,
            missing_list,
            wrong_type,
            top_level_extra,
        ] {
            assert!(
                matches!(WorkCalendar::from_json(text), Err(CalendarError::Json(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn from_json_rejects_no_years() {
        let text = r#"{"source":"s","years":{}}"#;
        assert!(matches!(
            WorkCalendar::from_json(text),
            Err(CalendarError::NoYears)
        ));
    }

    #[test]
    fn from_json_rejects_bad_year_key() {
        for key in ["twenty", "02026", "+2026", "2026.0", "", "999999"] {
            let text = year_json(key, "", "");
            assert!(
                matches!(WorkCalendar::from_json(&text), Err(CalendarError::BadYear(k)) if k == key),
                "{key:?}"
            );
        }
    }

    #[test]
    fn from_json_rejects_bad_dates() {
        for value in [
            "2026-02-30",
            "2026/01/01",
            "2026-1-1",
            "01-01-2026",
            "2026-13-01",
            "",
            " 2026-01-01",
        ] {
            let text = year_json("2026", &format!("{value:?}"), "");
            let result = WorkCalendar::from_json(&text);
            assert!(
                matches!(&result, Err(CalendarError::BadDate { year: 2026, value: v }) if v == value),
                "{value:?}: {result:?}"
            );
            let text = year_json("2026", "", &format!("{value:?}"));
            assert!(
                matches!(WorkCalendar::from_json(&text), Err(CalendarError::BadDate { .. })),
                "{value:?}"
            );
        }
    }

    #[test]
    fn from_json_rejects_dates_outside_their_year() {
        let holiday = year_json("2026", r#""2027-01-01""#, "");
        assert!(matches!(
            WorkCalendar::from_json(&holiday),
            Err(CalendarError::OutsideYear { year: 2026, date }) if date == d("2027-01-01")
        ));
        let workday = year_json("2026", "", r#""2025-12-28""#);
        assert!(matches!(
            WorkCalendar::from_json(&workday),
            Err(CalendarError::OutsideYear { year: 2026, date }) if date == d("2025-12-28")
        ));
    }

    #[test]
    fn from_json_rejects_holiday_that_is_also_workday() {
        let text = year_json("2026", r#""2026-02-14""#, r#""2026-02-14""#);
        assert!(matches!(
            WorkCalendar::from_json(&text),
            Err(CalendarError::HolidayAndWorkday(date)) if date == d("2026-02-14")
        ));
    }

    #[test]
    fn from_json_rejects_weekday_workday() {
        let text = year_json("2026", "", r#""2026-02-13""#);
        assert!(matches!(
            WorkCalendar::from_json(&text),
            Err(CalendarError::WorkdayNotWeekend { date, weekday: Weekday::Fri }) if date == d("2026-02-13")
        ));
    }

    #[test]
    fn from_json_rejects_duplicates() {
        let holidays = year_json("2026", r#""2026-10-01","2026-10-01""#, "");
        assert!(matches!(
            WorkCalendar::from_json(&holidays),
            Err(CalendarError::Duplicate(_))
        ));
        let workdays = year_json("2026", "", r#""2026-10-10","2026-10-10""#);
        assert!(matches!(
            WorkCalendar::from_json(&workdays),
            Err(CalendarError::Duplicate(_))
        ));
    }

    #[test]
    fn errors_have_readable_messages() {
        let text = year_json("2026", "", r#""2026-02-13""#);
        let message = WorkCalendar::from_json(&text).expect_err("invalid").to_string();
        assert!(
            message.contains("2026-02-13") && message.contains("Fri"),
            "{message}"
        );
    }
}
