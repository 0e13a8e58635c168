//! A calendar month (`YYYY-MM`): the unit of billing periods and usage overviews.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::error::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Result<Self, ParseError> {
        if !(1..=12).contains(&month) {
            return Err(ParseError::new("month", "month must be 01 to 12"));
        }
        if !(1970..=9999).contains(&year) {
            return Err(ParseError::new("month", "year must be 1970 to 9999"));
        }
        Ok(Self { year, month })
    }

    /// Parses exactly `YYYY-MM`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let bytes = raw.as_bytes();
        let shaped = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !shaped {
            return Err(ParseError::new("month", "expected YYYY-MM"));
        }
        let year = raw[..4]
            .parse()
            .map_err(|_| ParseError::new("month", "expected YYYY-MM"))?;
        let month = raw[5..]
            .parse()
            .map_err(|_| ParseError::new("month", "expected YYYY-MM"))?;
        Self::new(year, month)
    }

    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn first_day(&self) -> NaiveDate {
        // Month::new guarantees a valid year and month, so day 1 always exists.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(&self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn days(&self) -> u32 {
        self.last_day().day()
    }

    pub fn next(&self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(&self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        Month::of(date) == *self
    }

    /// `YYYYMM`, as used in invoice numbers.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_only_the_contract_shape() {
        assert_eq!(Month::parse("2025-12").unwrap().to_string(), "2025-12");
        for bad in [
            "2025-13",
            "2025-00",
            "2025-1",
            "202512",
            "2025/12",
            "abcd-ef",
            "2025-12-01",
            "",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn knows_its_days_including_leap_february() {
        assert_eq!(Month::parse("2024-02").unwrap().days(), 29);
        assert_eq!(Month::parse("2025-02").unwrap().days(), 28);
        assert_eq!(Month::parse("2025-12").unwrap().last_day(), d(2025, 12, 31));
    }

    #[test]
    fn steps_across_years() {
        let dec = Month::parse("2025-12").unwrap();
        assert_eq!(dec.next().to_string(), "2026-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.compact(), "202512");
        assert!(dec.contains(d(2025, 12, 19)));
        assert!(!dec.contains(d(2026, 1, 1)));
    }
}
