//! Usage beyond what a plan includes (contract §10): a month's included quota follows its
//! plan segments, and what is used beyond it is priced per unit (`ai_chat`, `email`) or
//! per seat-day (`agent_seats`).
//!
//! Rounding, written down: the included quota of `ai_chat` and `email` is
//! `Σ quota × days / days in the month` over the month's segments, rounded once, half
//! away from zero, to whole units; overage units are `max(0, used − included)` and their
//! amount `units × unit price` (exact: prices are whole fen). For `agent_seats`, each day
//! the seats used beyond the seats its plan includes are counted; the amount is
//! `Σ excess seats × seat price / days in the month`, rounded once to the fen, half away
//! from zero.

use crate::tax::TaxRate;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ids::PlanId;
use crate::money::{Currency, Money};
use crate::month::Month;
use crate::plan::Plan;
use crate::product::Product;
use crate::timeline::{Segment, in_period};
use crate::usage::UsageRecord;

/// One product's usage beyond the plan in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOverage {
    pub product: Product,
    /// Used on the days a plan serves (for `agent_seats`, the highest such day).
    pub used: i64,
    /// Units the month's segments include; for `agent_seats`, the seats included on the
    /// last day considered.
    pub included: i64,
    /// Units beyond it; for `agent_seats`, seat-days beyond the seats included each day.
    pub overage_units: i64,
    pub overage_amount: Money,
    /// The plan whose overage price is quoted: the month's last segment's (for
    /// `agent_seats`, each day is priced by its own plan). `None` when no plan serves the
    /// month.
    pub priced_by: Option<PlanId>,
    /// That plan's name and price of one unit (one seat for a month for `agent_seats`).
    pub plan_name: String,
    pub unit_price: Money,
    /// That plan's VAT rate (0 % when no plan serves the month).
    pub tax_rate: TaxRate,
}

/// What the month's segments include of a counted product (`ai_chat`, `email`).
pub fn included_units(segments: &[Segment], plans: &[Plan], month: Month, product: Product) -> i64 {
    let exact: Decimal = in_period(segments, month)
        .iter()
        .filter_map(|segment| {
            let plan = plans.iter().find(|p| p.id == segment.plan_id)?;
            Some(
                Decimal::from(plan.quotas.for_product(product)) * Decimal::from(segment.days())
                    / Decimal::from(month.days()),
            )
        })
        .sum();
    whole_units(exact)
}

/// Half away from zero to a whole number of units.
fn whole_units(exact: Decimal) -> i64 {
    exact
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(i64::MAX)
}

/// The plan serving `day`, if any.
fn plan_on<'a>(segments: &[Segment], plans: &'a [Plan], day: NaiveDate) -> Option<&'a Plan> {
    let segment = segments.iter().find(|s| s.contains(day))?;
    plans.iter().find(|p| p.id == segment.plan_id)
}

/// Each product's overage in `month` from its daily `records`, counting days up to
/// `through` (the month so far, or the whole month when `through` is at or after its
/// end). Days no plan serves include nothing and are charged nothing.
pub fn month_overage(
    segments: &[Segment],
    plans: &[Plan],
    month: Month,
    records: &[UsageRecord],
    through: NaiveDate,
    currency: Currency,
) -> Vec<ProductOverage> {
    let last = through.min(month.last_day());
    // Days no plan serves count nothing.
    let counts = |r: &&UsageRecord| {
        month.contains(r.date) && r.date <= last && segments.iter().any(|s| s.contains(r.date))
    };
    // The plan of the month's last segment quotes the price of the units beyond.
    let pricing = in_period(segments, month)
        .last()
        .and_then(|s| plans.iter().find(|p| p.id == s.plan_id));
    Product::ALL
        .into_iter()
        .map(|product| {
            let unit_price = pricing.map_or(Money::zero(currency), |p| {
                Money::rounded(p.overage.for_product(product).amount(), currency)
            });
            let mine = records
                .iter()
                .filter(counts)
                .filter(|r| r.product == product);
            let figures = match product {
                Product::AgentSeats => {
                    let seats: BTreeMap<NaiveDate, i64> = mine.map(|r| (r.date, r.count)).collect();
                    seat_overage(segments, plans, month, &seats, last, currency)
                }
                _ => {
                    let used: i64 = mine.map(|r| r.count).sum();
                    let included = included_units(segments, plans, month, product);
                    let units = (used - included).max(0);
                    let amount =
                        Money::rounded(unit_price.amount() * Decimal::from(units), currency);
                    (used, included, units, amount)
                }
            };
            let (used, included, overage_units, overage_amount) = figures;
            ProductOverage {
                product,
                used,
                included,
                overage_units,
                overage_amount,
                priced_by: pricing.map(|p| p.id.clone()),
                plan_name: pricing.map(|p| p.name.clone()).unwrap_or_default(),
                tax_rate: pricing.map_or(TaxRate::zero(), |p| p.tax_rate),
                unit_price,
            }
        })
        .collect()
}

/// `records` with the month of `today` carried to its end at its pace so far: counted
/// products add what [`crate::usage::projected`] expects beyond what was used (counted
/// on `today`), and every remaining day has the seats of the latest day reported.
/// Other months are left as they are.
pub fn projected_records(records: &[UsageRecord], today: NaiveDate) -> Vec<UsageRecord> {
    let month = Month::of(today);
    let mut out: Vec<UsageRecord> = records.to_vec();
    for product in Product::ALL {
        let mine = || {
            records
                .iter()
                .filter(move |r| r.product == product && month.contains(r.date) && r.date <= today)
        };
        match product.metering() {
            crate::product::Metering::Counted => {
                let used: i64 = mine().map(|r| r.count).sum();
                let extra = crate::usage::projected(product, month, used, today) - used;
                if extra > 0 {
                    out.push(UsageRecord {
                        date: today,
                        product,
                        count: extra,
                    });
                }
            }
            crate::product::Metering::Gauge => {
                let Some(latest) = mine().max_by_key(|r| r.date) else {
                    continue;
                };
                let mut day = today;
                while let Some(next) = day.succ_opt().filter(|d| month.contains(*d)) {
                    out.push(UsageRecord {
                        date: next,
                        product,
                        count: latest.count,
                    });
                    day = next;
                }
            }
        }
    }
    out
}

/// Seats' (highest day, included on the last day, seat-days beyond, amount).
fn seat_overage(
    segments: &[Segment],
    plans: &[Plan],
    month: Month,
    seats: &BTreeMap<NaiveDate, i64>,
    last: NaiveDate,
    currency: Currency,
) -> (i64, i64, i64, Money) {
    let mut seat_days = 0;
    let mut exact = Decimal::ZERO;
    for (day, used) in seats {
        let Some(plan) = plan_on(segments, plans, *day) else {
            continue;
        };
        let beyond = (used - plan.quotas.agent_seats).max(0);
        seat_days += beyond;
        exact += Decimal::from(beyond) * plan.overage.agent_seats.amount();
    }
    (
        seats.values().copied().max().unwrap_or(0),
        plan_on(segments, plans, last).map_or(0, |p| p.quotas.agent_seats),
        seat_days,
        Money::rounded(exact / Decimal::from(month.days()), currency),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::plan::tests::plan_with;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, day).unwrap()
    }

    fn seg(plan: &str, from: u32, to: u32) -> Segment {
        Segment::new(PlanId::parse(plan).unwrap(), d(from), d(to))
    }

    fn record(day: u32, product: Product, count: i64) -> UsageRecord {
        UsageRecord {
            date: d(day),
            product,
            count,
        }
    }

    fn plans() -> Vec<Plan> {
        // pro: 10,000 conversations, 10 seats; enterprise: 50,000, 20 seats.
        vec![
            plan_with(
                "pro",
                "999.00",
                (10_000, 10, 2_000),
                ("0.05", "99.00", "0.03"),
            ),
            plan_with(
                "enterprise",
                "2999.00",
                (50_000, 20, 5_000),
                ("0.03", "79.00", "0.02"),
            ),
        ]
    }

    const NOV: fn() -> Month = || Month::of(d(1));

    #[test]
    fn the_included_quota_follows_the_segments_rounded_once() {
        // 18 days of pro, 12 of enterprise in a 30-day month:
        // 10,000 × 18/30 + 50,000 × 12/30 = 6,000 + 20,000.
        let segments = [seg("pro", 1, 18), seg("enterprise", 19, 30)];
        assert_eq!(
            included_units(&segments, &plans(), NOV(), Product::AiChat),
            26_000
        );
        // email: 2,000 × 18/30 + 5,000 × 12/30 = 1,200 + 2,000.
        assert_eq!(
            included_units(&segments, &plans(), NOV(), Product::Email),
            3_200
        );
        // 7 days of pro: 10,000 × 7/30 = 2,333.33… → 2,333; 2,000 × 7/30 = 466.67 → 467.
        let week = [seg("pro", 1, 7)];
        assert_eq!(
            included_units(&week, &plans(), NOV(), Product::AiChat),
            2_333
        );
        assert_eq!(included_units(&week, &plans(), NOV(), Product::Email), 467);
        // A half rounds away from zero: 15 days of 1,001 e-mails a month → 500.5 → 501.
        let mut odd = plans();
        odd[0].quotas.email = 1_001;
        assert_eq!(
            included_units(&[seg("pro", 1, 15)], &odd, NOV(), Product::Email),
            501
        );
    }

    #[test]
    fn units_beyond_the_included_quota_are_priced_per_unit() {
        let segments = [seg("pro", 1, 30)];
        let records = [
            record(3, Product::AiChat, 6_000),
            record(20, Product::AiChat, 4_500),
            record(21, Product::Email, 1_999),
        ];
        let overage = month_overage(&segments, &plans(), NOV(), &records, d(30), Currency::Cny);
        let ai = overage
            .iter()
            .find(|o| o.product == Product::AiChat)
            .unwrap();
        assert_eq!(
            (ai.product, ai.included, ai.overage_units),
            (Product::AiChat, 10_000, 500)
        );
        assert_eq!(ai.overage_amount.amount(), Decimal::new(2500, 2)); // 500 × 0.05
        let email = overage
            .iter()
            .find(|o| o.product == Product::Email)
            .unwrap();
        assert_eq!(
            (email.overage_units, email.overage_amount.amount()),
            (0, Decimal::ZERO)
        );
    }

    #[test]
    fn seats_beyond_each_day_s_plan_are_priced_per_seat_day() {
        // Pro (10 seats) to the 18th, enterprise (20 seats) after.
        let segments = [seg("pro", 1, 18), seg("enterprise", 19, 30)];
        let records = [
            record(1, Product::AgentSeats, 12),  // 2 beyond pro
            record(2, Product::AgentSeats, 9),   // none
            record(19, Product::AgentSeats, 23), // 3 beyond enterprise
        ];
        let overage = month_overage(&segments, &plans(), NOV(), &records, d(30), Currency::Cny);
        let seats = overage
            .iter()
            .find(|o| o.product == Product::AgentSeats)
            .unwrap();
        assert_eq!(seats.overage_units, 5);
        assert_eq!(seats.included, 20);
        // (2 × 99.00 + 3 × 79.00) / 30 = 435 / 30 = 14.50.
        assert_eq!(seats.overage_amount.amount(), Decimal::new(1450, 2));
        // One seat-day of pro: 99 / 30 = 3.30; of enterprise 79 / 30 = 2.6333… → 2.63.
        let one = [record(19, Product::AgentSeats, 21)];
        let overage = month_overage(&segments, &plans(), NOV(), &one, d(30), Currency::Cny);
        let seats = overage
            .iter()
            .find(|o| o.product == Product::AgentSeats)
            .unwrap();
        assert_eq!(seats.overage_amount.amount(), Decimal::new(263, 2));
    }

    #[test]
    fn days_after_through_and_days_no_plan_serves_count_nothing() {
        let segments = [seg("pro", 10, 30)];
        let records = [
            record(5, Product::AgentSeats, 50),  // not served
            record(25, Product::AiChat, 99_999), // after `through`
        ];
        let overage = month_overage(&segments, &plans(), NOV(), &records, d(20), Currency::Cny);
        assert!(
            overage
                .iter()
                .all(|o| o.overage_units == 0 && o.overage_amount.is_zero())
        );
    }
}
