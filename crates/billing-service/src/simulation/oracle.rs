//! The simulation's oracle: its own plan for every day and its own usage per day, and
//! each month's charges and overage counted in integer fen with its own half-up
//! division, independent of the domain's code.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use portal_domain::Month;

/// The catalogue of the simulation: prices that do not divide evenly by month lengths.
/// `(id, monthly fee, (ai_chat, agent_seats, email) quotas, (ai_chat, email,
/// agent_seats) overage prices)`, all in fen.
pub const PLANS: [SimPlan; 4] = [
    ("basic", 29_900, (300, 2, 100), (7, 3, 12_345)),
    ("pro", 99_900, (1_000, 5, 300), (5, 2, 9_877)),
    ("team", 123_457, (2_000, 8, 700), (4, 2, 8_765)),
    ("enterprise", 299_999, (5_000, 20, 1_500), (3, 1, 7_901)),
];

/// Each plan's VAT rate in ten-thousandths: `team` is taxed at 13 %, the others at 6 %, so
/// a period that changes between them has two rates.
pub fn rate_of(id: &str) -> i64 {
    if id == "team" { 1_300 } else { 600 }
}

/// The tax in a tax-inclusive `fen` at `rate` ten-thousandths: `fen × r / (10000 + r)`
/// rounded half away from zero.
pub fn tax_of(fen: i64, rate: i64) -> i64 {
    let tax = half_up(fen.abs() * rate, 10_000 + rate);
    if fen < 0 { -tax } else { tax }
}

/// `(id, monthly fee, quotas, overage prices)`, in fen.
pub type SimPlan = (&'static str, i64, (i64, i64, i64), (i64, i64, i64));

/// The products in the simulation's order: ai_chat, email, agent_seats.
pub const PRODUCTS: usize = 3;
const SEATS: usize = 2;

/// `num / den` rounded half up (both positive).
fn half_up(num: i64, den: i64) -> i64 {
    (2 * num + den) / (2 * den)
}

/// A customer as the oracle sees it.
#[derive(Default)]
pub struct Book {
    /// The plan index serving each day.
    pub days: BTreeMap<NaiveDate, usize>,
    /// Usage per day and product: counted products add, seats keep the highest.
    pub usage: BTreeMap<(NaiveDate, usize), i64>,
    /// Fen received from the customer by bank transfer.
    pub paid: i64,
}

impl Book {
    pub fn plan_on(&self, d: NaiveDate) -> Option<usize> {
        self.days.get(&d).copied()
    }

    pub fn set_from(&mut self, from: NaiveDate, plan: usize) {
        for (_, p) in self.days.range_mut(from..) {
            *p = plan;
        }
    }

    pub fn record(&mut self, day: NaiveDate, product: usize, count: i64) {
        let slot = self.usage.entry((day, product)).or_insert(0);
        *slot = if product == SEATS {
            (*slot).max(count)
        } else {
            *slot + count
        };
    }

    /// Each period's charges in fen: runs of one plan within the month, each
    /// `price × days / days in month` rounded half up.
    pub fn charges(&self) -> BTreeMap<Month, i64> {
        let mut runs: Vec<(Month, usize, i64)> = Vec::new();
        let mut last: Option<NaiveDate> = None;
        for (d, p) in &self.days {
            let m = Month::of(*d);
            match runs.last_mut() {
                Some((rm, rp, n))
                    if *rm == m && rp == p && last.map(|l| l.succ_opt()) == Some(Some(*d)) =>
                {
                    *n += 1
                }
                _ => runs.push((m, *p, 1)),
            }
            last = Some(*d);
        }
        let mut out = BTreeMap::new();
        for (m, p, n) in runs {
            let price = PLANS[p].1;
            let month_days = i64::from(m.days());
            *out.entry(m).or_insert(0) += half_up(price * n, month_days);
        }
        out
    }

    /// Each month's usage beyond the plan in fen, for months some plan serves: the
    /// included quota `Σ quota × days / days in month` rounded half up once, units beyond
    /// it at the price of the plan of the month's last day served; seats beyond each
    /// day's plan at that plan's price, summed and divided by the month's days once.
    pub fn overage(&self) -> BTreeMap<Month, i64> {
        let mut months: BTreeMap<Month, Vec<(NaiveDate, usize)>> = BTreeMap::new();
        for (d, p) in &self.days {
            months.entry(Month::of(*d)).or_default().push((*d, *p));
        }
        let mut out = BTreeMap::new();
        for (m, served) in months {
            let md = i64::from(m.days());
            let Some((_, last_plan)) = served.last().copied() else {
                continue;
            };
            let mut fen = 0;
            for product in 0..PRODUCTS {
                let quota = |p: usize| match product {
                    0 => PLANS[p].2.0,
                    1 => PLANS[p].2.2,
                    _ => PLANS[p].2.1,
                };
                let price = |p: usize| match product {
                    0 => PLANS[p].3.0,
                    1 => PLANS[p].3.1,
                    _ => PLANS[p].3.2,
                };
                let used = |d: NaiveDate| self.usage.get(&(d, product)).copied().unwrap_or(0);
                if product == SEATS {
                    let beyond: i64 = served
                        .iter()
                        .map(|(d, p)| (used(*d) - quota(*p)).max(0) * price(*p))
                        .sum();
                    fen += half_up(beyond, md);
                } else {
                    let included = half_up(served.iter().map(|(_, p)| quota(*p)).sum(), md);
                    let total: i64 = served.iter().map(|(d, _)| used(*d)).sum();
                    fen += (total - included).max(0) * price(last_plan);
                }
            }
            out.insert(m, fen);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_oracle_counts_overage_by_hand() {
        let mut book = Book::default();
        // November 2026 (30 days) on basic: 300 conversations and 2 seats included.
        let mut d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        while d.month0() == 10 {
            book.days.insert(d, 0);
            d = d.succ_opt().unwrap();
        }
        book.record(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(), 0, 200);
        book.record(NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(), 0, 150);
        book.record(NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), SEATS, 3);
        book.record(NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), SEATS, 1);
        // 50 conversations × 7 fen + one seat-day × 12,345 / 30 (411.5 → 412).
        let nov = Month::parse("2026-11").unwrap();
        assert_eq!(book.overage()[&nov], 350 + 412);
    }

    use chrono::Datelike;
}
