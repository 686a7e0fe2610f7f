//! Scoring periods: a month (`2026-03`), a quarter (`2026-Q1`) or a year (`2026`), in China's
//! local calendar. A period is a half-open range of local dates `[first, next)`, so months nest in
//! quarters and quarters in years without overlap or gaps.

use std::fmt;

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Year { year: i32 },
}

impl Period {
    /// Parse `YYYY-MM`, `YYYY-Qn` or `YYYY` (years 2000–2100).
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let year_of = |y: &str| {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| (2000..=2100).contains(y))
        };
        match s.split_once('-') {
            None => year_of(s).map(|year| Period::Year { year }),
            Some((y, rest)) => {
                let year = year_of(y)?;
                if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
                    let quarter = q.parse::<u32>().ok().filter(|n| (1..=4).contains(n))?;
                    (q.len() == 1).then_some(Period::Quarter { year, quarter })
                } else {
                    let month = (rest.len() == 2)
                        .then(|| rest.parse::<u32>().ok())
                        .flatten()
                        .filter(|m| (1..=12).contains(m))?;
                    Some(Period::Month { year, month })
                }
            }
        }
    }

    /// The first local date of the period.
    pub fn first_day(self) -> NaiveDate {
        let (year, month) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            Period::Year { year } => (year, 1),
        };
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first local date after the period.
    pub fn end_day(self) -> NaiveDate {
        let first = self.first_day();
        let months = match self {
            Period::Month { .. } => 1,
            Period::Quarter { .. } => 3,
            Period::Year { .. } => 12,
        };
        first
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The month containing a local date.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::Month {
            year: date.year(),
            month: date.month(),
        }
    }
}

impl Period {
    /// The period as people write it on a document: 2026年3月, 2026年第1季度, 2026年.
    pub fn zh(&self) -> String {
        match self {
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Quarter { year, quarter } => format!("{year}年第{quarter}季度"),
            Period::Year { year } => format!("{year}年"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}-Q{quarter}"),
            Period::Year { year } => write!(f, "{year}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_read_in_chinese_as_documents_write_them() {
        let zh = |s: &str| Period::parse(s).unwrap().zh();
        assert_eq!(zh("2026-03"), "2026年3月");
        assert_eq!(zh("2026-12"), "2026年12月");
        assert_eq!(zh("2026-Q1"), "2026年第1季度");
        assert_eq!(zh("2026"), "2026年");
    }

    #[test]
    fn periods_parse_print_and_span_half_open_ranges() {
        let march = Period::parse("2026-03").unwrap();
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(
            (march.first_day(), march.end_day()),
            (d(2026, 3, 1), d(2026, 4, 1))
        );
        let q4 = Period::parse("2026-Q4").unwrap();
        assert_eq!((q4.first_day(), q4.end_day()), (d(2026, 10, 1), d(2027, 1, 1)));
        assert_eq!(q4.to_string(), "2026-Q4");
        let year = Period::parse("2025").unwrap();
        assert_eq!((year.first_day(), year.end_day()), (d(2025, 1, 1), d(2026, 1, 1)));
        assert_eq!(Period::month_of(d(2026, 12, 31)).to_string(), "2026-12");
    }

    #[test]
    fn malformed_periods_are_refused() {
        for bad in [
            "",
            "26-03",
            "2026-3",
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-Q0",
            "2026-Q12",
            "1999",
            "2026-03-01",
            "abcd",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }
}
