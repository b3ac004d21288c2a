//! Deadlines in working days, counting Norwegian public holidays.
//!
//! The deadlines ("acknowledge within 5 working days") are the
//! Helsefellesskap's agreed handling times, set in the settings: the
//! procedure D12402 itself sets no number of days. They are counted the way
//! a leader reads a calendar: weekends and the public holidays of the
//! Norwegian calendar (helligdager, 1 May and 17 May) do not count.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

/// Easter Sunday of `year` (Gregorian, anonymous algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus yields a valid date")
}

/// Whether `date` is a Norwegian public holiday (not counting ordinary Sundays).
pub fn is_public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (5, 17) | (12, 25) | (12, 26)
    );
    if fixed {
        return true;
    }
    let easter = easter_sunday(date.year());
    let offset = (date - easter).num_days();
    // Skjærtorsdag, langfredag, påskedag, 2. påskedag, Kristi himmelfart,
    // pinsedag, 2. pinsedag.
    matches!(offset, -3 | -2 | 0 | 1 | 39 | 49 | 50)
}

pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_public_holiday(date)
}

/// The date `n` working days after `start` (the start day itself does not count).
pub fn add_working_days(start: NaiveDate, n: u32) -> NaiveDate {
    let mut date = start;
    let mut left = n;
    while left > 0 {
        date = date + Days::new(1);
        if is_working_day(date) {
            left -= 1;
        }
    }
    date
}

/// `n` calendar days after `start`, moved forward to the next working day
/// if it lands on a weekend or holiday.
pub fn add_calendar_days(start: NaiveDate, n: u32) -> NaiveDate {
    let mut date = start + Days::new(u64::from(n));
    while !is_working_day(date) {
        date = date + Days::new(1);
    }
    date
}

/// The date of `at` in Norway (Europe/Oslo), the calendar deadlines, event
/// months and "done on" dates are written in: between midnight in Norway and
/// midnight UTC the UTC date is still the day before.
pub fn norwegian_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Oslo).date_naive()
}

/// The day of `at` in Norway, as [`format_date_nb`] writes it.
pub fn format_day_nb(at: DateTime<Utc>) -> String {
    format_date_nb(norwegian_date(at))
}

/// "fredag 27. november 2026".
pub fn format_date_nb(date: NaiveDate) -> String {
    const DAYS: [&str; 7] = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"];
    format!(
        "{} {}. {} {}",
        DAYS[date.weekday().num_days_from_monday() as usize],
        date.day(),
        crate::month::MONTHS_NB[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
    }

    #[test]
    fn holidays_of_2026() {
        for h in [
            d(2026, 1, 1),
            d(2026, 4, 2),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 1),
            d(2026, 5, 14),
            d(2026, 5, 17),
            d(2026, 5, 25),
            d(2026, 12, 25),
            d(2026, 12, 26),
        ] {
            assert!(is_public_holiday(h), "{h}");
        }
        assert!(!is_public_holiday(d(2026, 4, 1)));
        assert!(!is_public_holiday(d(2026, 12, 24)));
    }

    #[test]
    fn five_working_days_across_easter() {
        // Submitted Tuesday 31 March 2026: Wed 1 Apr counts, Thu 2 (skjærtorsdag),
        // Fri 3 (langfredag), weekend, Mon 6 (2. påskedag) do not; then 7, 8, 9, 10.
        assert_eq!(add_working_days(d(2026, 3, 31), 5), d(2026, 4, 10));
    }

    #[test]
    fn across_17_may() {
        // 2027: 17 May is a Monday. Friday 14 May + 1 working day = Tuesday 18 May.
        assert_eq!(add_working_days(d(2027, 5, 14), 1), d(2027, 5, 18));
    }

    #[test]
    fn ordinary_week() {
        // Monday 23 Nov 2026 + 5 = Monday 30 Nov.
        assert_eq!(add_working_days(d(2026, 11, 23), 5), d(2026, 11, 30));
        assert_eq!(format_date_nb(d(2026, 11, 30)), "mandag 30. november 2026");
    }

    #[test]
    fn calendar_days_land_on_working_day() {
        // 30 days after 26 Nov 2026 is Sat 26 Dec → Mon 28 Dec.
        assert_eq!(add_calendar_days(d(2026, 11, 26), 30), d(2026, 12, 28));
    }
}
