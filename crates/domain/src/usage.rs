//! Daily usage, monthly summaries against quotas, and the limits of usage queries.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::FieldErrors;
use crate::month::Month;
use crate::product::{Metering, Product};

/// One product's value on one day: a count for counted products, seats in use for the gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageRecord {
    pub date: NaiveDate,
    pub product: Product,
    pub count: i64,
}

/// The longest range a usage detail query may span, both ends included.
pub const MAX_RANGE_DAYS: i64 = 366;

/// An inclusive range of days, at most [`MAX_RANGE_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, FieldErrors> {
        if to < from {
            return Err(FieldErrors::single("to", "must not be before from"));
        }
        if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            return Err(FieldErrors::single(
                "to",
                format!("the range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }

    pub fn month(month: Month) -> Self {
        Self {
            from: month.first_day(),
            to: month.last_day(),
        }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// Where a product stands against its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaAlert {
    None,
    /// At least [`QuotaAlert::WARNING_PERCENT`] of the quota is used.
    Warning,
    /// The quota is used up.
    Exceeded,
}

impl QuotaAlert {
    pub const WARNING_PERCENT: i64 = 80;

    pub fn for_usage(used: i64, quota: i64) -> Self {
        // Compared in integers (used*100 vs quota*80) so no rounding decides an alert.
        let used = i128::from(used) * 100;
        let quota = i128::from(quota);
        if used >= quota * 100 {
            QuotaAlert::Exceeded
        } else if used >= quota * i128::from(Self::WARNING_PERCENT) {
            QuotaAlert::Warning
        } else {
            QuotaAlert::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaAlert::None => "none",
            QuotaAlert::Warning => "warning",
            QuotaAlert::Exceeded => "exceeded",
        }
    }
}

/// A product's month against its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageSummary {
    pub product: Product,
    pub used: i64,
    pub quota: i64,
    /// `used / quota * 100`, rounded to one decimal, half away from zero.
    pub percent: Decimal,
    /// The month-end value at the month's pace so far.
    pub projected: i64,
    pub alert: QuotaAlert,
}

impl UsageSummary {
    /// Summarises `records` (any products, any days) for `product` in `month`, as seen on
    /// `today`.
    pub fn of_month(
        product: Product,
        month: Month,
        quota: i64,
        records: &[UsageRecord],
        today: NaiveDate,
    ) -> Self {
        let values = records
            .iter()
            .filter(|r| r.product == product && month.contains(r.date))
            .map(|r| r.count);
        let used = match product.metering() {
            Metering::Counted => values.sum(),
            Metering::Gauge => values.max().unwrap_or(0),
        };
        Self {
            product,
            used,
            quota,
            percent: quota_percent(used, quota),
            projected: projected(product, month, used, today),
            alert: QuotaAlert::for_usage(used, quota),
        }
    }
}

/// `used / quota * 100` with one decimal, rounded half away from zero. A zero quota
/// reads 0 when nothing is used and 100 otherwise (the quota is used up).
pub fn quota_percent(used: i64, quota: i64) -> Decimal {
    if quota <= 0 {
        return if used > 0 {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::ZERO
        };
    }
    (Decimal::from(used) * Decimal::ONE_HUNDRED / Decimal::from(quota))
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

/// The month-end value at the pace so far: counted products extrapolate linearly over the
/// days elapsed (today included); a gauge projects its current value. Past months project
/// what they used; future months nothing.
pub fn projected(product: Product, month: Month, used: i64, today: NaiveDate) -> i64 {
    let current = Month::of(today);
    if month < current || product.metering() == Metering::Gauge {
        return if month > current { 0 } else { used };
    }
    if month > current {
        return 0;
    }
    let elapsed = i64::from(today.day());
    let days = i64::from(month.days());
    // Half-up integer division of used * days / elapsed.
    (2 * used * days + elapsed) / (2 * elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rec(date: NaiveDate, product: Product, count: i64) -> UsageRecord {
        UsageRecord {
            date,
            product,
            count,
        }
    }

    #[test]
    fn counted_products_sum_and_seats_take_the_highest_day() {
        let nov = Month::parse("2025-11").unwrap();
        let records = [
            rec(d(2025, 11, 1), Product::AiChat, 100),
            rec(d(2025, 11, 2), Product::AiChat, 250),
            rec(d(2025, 10, 31), Product::AiChat, 999), // other month
            rec(d(2025, 11, 1), Product::AgentSeats, 3),
            rec(d(2025, 11, 2), Product::AgentSeats, 5),
            rec(d(2025, 11, 3), Product::AgentSeats, 4),
        ];
        let today = d(2025, 12, 5);
        assert_eq!(
            UsageSummary::of_month(Product::AiChat, nov, 1000, &records, today).used,
            350
        );
        assert_eq!(
            UsageSummary::of_month(Product::AgentSeats, nov, 5, &records, today).used,
            5
        );
        assert_eq!(
            UsageSummary::of_month(Product::Email, nov, 100, &records, today).used,
            0
        );
    }

    #[test]
    fn percent_has_one_decimal_rounded_half_away_from_zero() {
        assert_eq!(quota_percent(1, 3), dec!(33.3));
        assert_eq!(quota_percent(2, 3), dec!(66.7));
        assert_eq!(quota_percent(1, 8), dec!(12.5));
        // 1/16 = 6.25% -> 6.3 (banker's rounding would give 6.2)
        assert_eq!(quota_percent(1, 16), dec!(6.3));
        assert_eq!(quota_percent(15000, 10000), dec!(150.0));
        assert_eq!(quota_percent(0, 0), dec!(0));
        assert_eq!(quota_percent(5, 0), dec!(100));
    }

    #[test]
    fn alerts_start_at_eighty_and_hundred_percent() {
        assert_eq!(QuotaAlert::for_usage(799, 1000), QuotaAlert::None);
        assert_eq!(QuotaAlert::for_usage(800, 1000), QuotaAlert::Warning);
        assert_eq!(QuotaAlert::for_usage(999, 1000), QuotaAlert::Warning);
        assert_eq!(QuotaAlert::for_usage(1000, 1000), QuotaAlert::Exceeded);
    }

    #[test]
    fn projection_extrapolates_the_current_month_only() {
        let nov = Month::parse("2025-11").unwrap();
        // 10 days elapsed, 1000 used, 30-day month -> 3000
        assert_eq!(projected(Product::AiChat, nov, 1000, d(2025, 11, 10)), 3000);
        assert_eq!(projected(Product::AgentSeats, nov, 4, d(2025, 11, 10)), 4);
        assert_eq!(projected(Product::AiChat, nov, 1000, d(2025, 12, 10)), 1000);
        assert_eq!(projected(Product::AiChat, nov, 1000, d(2025, 10, 10)), 0);
    }

    #[test]
    fn ranges_are_inclusive_and_at_most_366_days() {
        assert_eq!(
            DateRange::new(d(2025, 1, 1), d(2025, 1, 1)).unwrap().days(),
            1
        );
        assert!(DateRange::new(d(2024, 1, 1), d(2024, 12, 31)).is_ok()); // 366 days, leap year
        assert!(DateRange::new(d(2024, 1, 1), d(2025, 1, 1)).is_err()); // 367
        assert!(DateRange::new(d(2025, 1, 2), d(2025, 1, 1)).is_err());
    }
}
