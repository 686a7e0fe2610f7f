//! Arithmetic of the court's statistics: medians of durations, shares and ratios, rounded the way
//! they are reported. Pure; the queries that feed it live in `repo::statistics`.
//!
//! A figure with nothing to measure (a median of no tasks, a share of no cases, cases per officer
//! in a court without officers) is `None` — reported as `null`, never as 0, which would read as
//! "instant" or "none".

use chrono::NaiveDateTime;

/// The median of the values, or None when there are none. With an even count, the mean of the
/// two middle values.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Hours from `from` to each `to` that is known, for a median. A `to` before its `from` (a
/// clock step, data entered by hand) counts as zero rather than as negative time.
pub fn hours_between(pairs: impl IntoIterator<Item = (NaiveDateTime, Option<NaiveDateTime>)>) -> Vec<f64> {
    pairs
        .into_iter()
        .filter_map(|(from, to)| to.map(|to| ((to - from).num_milliseconds().max(0) as f64) / 3_600_000.0))
        .collect()
}

/// Round to `places` decimal places (reports show hours to 0.01 h, shares to 0.0001).
pub fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// `part / whole` to four places, None when `whole` is 0.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 / whole as f64, 4))
}

/// `amount / per` to two places (e.g. cases per officer, 人案比), None when `per` is 0.
pub fn ratio(amount: u64, per: u64) -> Option<f64> {
    (per > 0).then(|| round(amount as f64 / per as f64, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn medians_of_odd_even_and_empty_samples() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0]), Some(5.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0, 2.0]), Some(3.0));
        assert_eq!(median(&mut [2.0, 2.0, 2.0, 100.0]), Some(2.0));
    }

    #[test]
    fn durations_skip_unknown_ends_and_never_go_negative() {
        let hours = hours_between([
            (t(8, 0), Some(t(10, 30))),
            (t(8, 0), None),
            (t(9, 0), Some(t(8, 0))),
        ]);
        assert_eq!(hours, [2.5, 0.0]);
    }

    #[test]
    fn shares_and_ratios_round_and_are_undefined_over_zero() {
        assert_eq!(share(2, 3), Some(0.6667));
        assert_eq!(share(0, 0), None);
        assert_eq!(share(0, 5), Some(0.0));
        assert_eq!(ratio(10, 3), Some(3.33));
        assert_eq!(ratio(7, 0), None);
        assert_eq!(round(1.005_1, 2), 1.01);
    }
}
