//! The business calendar: the time zone in which an instant becomes a date.
//!
//! Every date the portal derives from an instant — the day a usage event counts for,
//! "today" for proration and alerts, invoice issue dates and the month that numbers an
//! invoice, due dates, overdue and expiry — is that instant's date in this zone
//! (`PORTAL_TIME_ZONE`, an IANA name, default `Asia/Shanghai`). The zone comes from the
//! IANA database (chrono-tz), never a fixed offset, so a zone with daylight saving time
//! is right on both sides of its changes.

use std::fmt;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of the business calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessCalendar {
    zone: Tz,
}

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self {
            zone: chrono_tz::Asia::Shanghai,
        }
    }
}

impl BusinessCalendar {
    /// The default zone's IANA name.
    pub const DEFAULT_ZONE: &'static str = "Asia/Shanghai";

    /// The calendar of an IANA zone name such as `Asia/Shanghai`; `None` for an unknown one.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse::<Tz>().ok().map(|zone| Self { zone })
    }

    /// The business date of `instant`.
    pub fn date_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.zone).date_naive()
    }

    /// The instant a business date and time of day names (the earlier one when the
    /// zone's clocks go back; the later side of a gap when they go forward).
    pub fn instant_of(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => local.and_utc(),
        }
    }

    pub fn name(&self) -> &'static str {
        self.zone.name()
    }
}

impl fmt::Display for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_past_midnight_in_shanghai_is_the_next_day() {
        let cal = BusinessCalendar::default();
        // 16:30 UTC on the last day of November is 00:30 on 1 December in Shanghai.
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 16, 30, 0).unwrap();
        assert_eq!(
            cal.date_of(t),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 15, 59, 59).unwrap();
        assert_eq!(
            cal.date_of(t),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
    }

    #[test]
    fn zones_with_daylight_saving_follow_the_database() {
        let cal = BusinessCalendar::parse("Europe/Berlin").unwrap();
        // 22:30 UTC is 00:30 the next day in summer (UTC+2), 23:30 the same day in winter.
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 1, 1, 22, 30, 0).unwrap();
        assert_eq!(
            cal.date_of(summer),
            NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
        );
        assert_eq!(
            cal.date_of(winter),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert!(BusinessCalendar::parse("Mars/Olympus").is_none());
        assert!(BusinessCalendar::parse("+08:00").is_none());
    }
}
