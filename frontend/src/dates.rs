//! Calendar arithmetic on dates (`YYYY-MM-DD`) and months (`YYYY-MM`), the way the API
//! counts them, and the API's RFC 3339 UTC timestamps read in the business calendar
//! (Asia/Shanghai). Small and exact, so the app needs no date library in its wasm.

use std::fmt;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

fn parse_number<T: std::str::FromStr>(digits: &str) -> Option<T> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Day {
    /// `YYYY-MM-DD`, as `<input type="date">` and the API write it.
    pub fn parse(text: &str) -> Option<Day> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (year, month, day) = (parse_number(y)?, parse_number(m)?, parse_number(d)?);
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Day { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Day::to_days`].
    pub fn from_days(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Day {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    pub fn add_days(self, days: i64) -> Day {
        Day::from_days(self.to_days() + days)
    }

    pub fn month(self) -> Month {
        Month {
            year: self.year,
            month: self.month,
        }
    }

    /// Today in UTC, the calendar the API bills by.
    pub fn today() -> Day {
        Day::from_days(now_millis().div_euclid(86_400_000))
    }
}

#[cfg(target_arch = "wasm32")]
fn now_millis() -> i64 {
    // f64 milliseconds since the epoch fit an i64 exactly for any real date.
    js_sys::Date::now() as i64
}

#[cfg(not(target_arch = "wasm32"))]
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Month {
    /// `YYYY-MM`, as `<input type="month">` and the API write it.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (parse_number(y)?, parse_number(m)?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn first_day(self) -> Day {
        Day {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    pub fn last_day(self) -> Day {
        Day {
            year: self.year,
            month: self.month,
            day: days_in_month(self.year, self.month),
        }
    }

    /// The month's days up to `today` at most (a month in the future has no usage yet,
    /// so it keeps its first day only).
    pub fn range_until(self, today: Day) -> (Day, Day) {
        let first = self.first_day();
        let last = self.last_day().min(today).max(first);
        (first, last)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The business calendar's offset from UTC, in seconds. The portal's calendar is
/// Asia/Shanghai (contract §9), which has kept UTC+8 all year since 1991: a fixed offset
/// is exact for every date the portal handles and needs no time-zone database.
pub const BUSINESS_OFFSET_SECONDS: i64 = 8 * 3600;

/// A moment as the business calendar writes it: its day and its time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub day: Day,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Two ASCII digits at `at`, as a number.
fn two_digits(text: &[u8], at: usize) -> Option<i64> {
    let (high, low) = (*text.get(at)?, *text.get(at + 1)?);
    (high.is_ascii_digit() && low.is_ascii_digit())
        .then(|| i64::from(high - b'0') * 10 + i64::from(low - b'0'))
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2025-12-19T10:00:00Z`,
/// optional fraction, `Z` or a `±HH:MM` offset); `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let day = Day::parse(text.get(..10)?)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (hour, minute, second) = (two_digits(b, 11)?, two_digits(b, 14)?, two_digits(b, 17)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == digits {
            return None;
        }
    }
    let offset = match (b.get(at), b.len() - at) {
        (Some(b'Z' | b'z'), 1) => 0,
        (Some(sign @ (b'+' | b'-')), 6) if b.get(at + 3) == Some(&b':') => {
            let minutes = two_digits(b, at + 1)? * 60 + two_digits(b, at + 4)?;
            if *sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
        _ => return None,
    };
    Some(day.to_days() * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

impl LocalTime {
    /// The business calendar's day and time of a moment (seconds since the epoch).
    pub fn from_epoch_seconds(seconds: i64) -> LocalTime {
        let local = seconds + BUSINESS_OFFSET_SECONDS;
        let of_day = local.rem_euclid(86_400);
        LocalTime {
            day: Day::from_days(local.div_euclid(86_400)),
            hour: u32::try_from(of_day / 3600).unwrap_or(0),
            minute: u32::try_from(of_day % 3600 / 60).unwrap_or(0),
            second: u32::try_from(of_day % 60).unwrap_or(0),
        }
    }

    /// The business calendar's reading of an RFC 3339 timestamp.
    pub fn of_timestamp(text: &str) -> Option<LocalTime> {
        parse_timestamp(text).map(LocalTime::from_epoch_seconds)
    }
}

/// Days from `from` to `to`, both included (0 when reversed).
pub fn days_inclusive(from: Day, to: Day) -> i64 {
    (to.to_days() - from.to_days() + 1).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_days_and_months() {
        let day = Day::parse("2024-02-29").unwrap();
        assert_eq!(day.to_string(), "2024-02-29");
        assert_eq!(Day::parse("2023-02-29"), None);
        assert_eq!(Day::parse("2024-13-01"), None);
        assert_eq!(Day::parse("2024-1-01"), None);
        assert_eq!(Day::parse("2024-01-01x"), None);
        assert_eq!(Month::parse("2025-12").unwrap().to_string(), "2025-12");
        assert_eq!(Month::parse("2025-00"), None);
        assert_eq!(Month::parse("25-01"), None);
    }

    #[test]
    fn day_numbers_round_trip_across_leap_years_and_the_epoch() {
        assert_eq!(Day::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Day::parse("2000-03-01").unwrap().to_days(), 11_017);
        for days in -1000..30_000 {
            assert_eq!(Day::from_days(days).to_days(), days);
        }
        let d = Day::parse("2024-02-28").unwrap();
        assert_eq!(d.add_days(1).to_string(), "2024-02-29");
        assert_eq!(d.add_days(2).to_string(), "2024-03-01");
        assert_eq!(
            Day::parse("2025-12-31").unwrap().add_days(1).to_string(),
            "2026-01-01"
        );
    }

    #[test]
    fn timestamps_are_read_in_the_business_calendar() {
        let at = |text: &str| {
            LocalTime::of_timestamp(text)
                .map(|t| format!("{} {:02}:{:02}:{:02}", t.day, t.hour, t.minute, t.second))
        };
        assert_eq!(
            at("2025-12-19T10:00:00Z").as_deref(),
            Some("2025-12-19 18:00:00")
        );
        // Half past four in the afternoon UTC is the next day in Shanghai.
        assert_eq!(
            at("2025-12-31T16:30:05Z").as_deref(),
            Some("2026-01-01 00:30:05")
        );
        assert_eq!(
            at("2024-02-28T16:00:00.123456Z").as_deref(),
            Some("2024-02-29 00:00:00")
        );
        assert_eq!(
            at("2025-12-19T10:00:00+08:00").as_deref(),
            Some("2025-12-19 10:00:00")
        );
        assert_eq!(
            at("2025-12-19T10:00:00-06:30").as_deref(),
            Some("2025-12-20 00:30:00")
        );
        assert_eq!(
            at("1970-01-01T00:00:00Z").as_deref(),
            Some("1970-01-01 08:00:00")
        );
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        for bad in [
            "",
            "2025-12-19",
            "2025-12-19T10:00:00",
            "2025-12-19T25:00:00Z",
            "2025-12-19T10:00Z",
            "2025-12-19T10:00:00.Z",
            "2025-12-19T10:00:00+0800",
            "2025-13-19T10:00:00Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_month_range_stops_at_today() {
        let today = Day::parse("2025-12-19").unwrap();
        let this = Month::parse("2025-12").unwrap().range_until(today);
        assert_eq!(
            (this.0.to_string(), this.1.to_string()),
            ("2025-12-01".into(), "2025-12-19".into())
        );
        let past = Month::parse("2025-02").unwrap().range_until(today);
        assert_eq!(past.1.to_string(), "2025-02-28");
        let future = Month::parse("2026-01").unwrap().range_until(today);
        assert_eq!(future.0, future.1);
        assert_eq!(days_inclusive(this.0, this.1), 19);
        assert_eq!(days_inclusive(this.1, this.0), 0);
    }
}
