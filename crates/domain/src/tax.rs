//! VAT (增值税) on every money document (contract §14).
//!
//! Catalogue prices are tax-inclusive (含税): a line's `amount` is its 价税合计. Its tax is
//! **`amount × rate / (1 + rate)`, rounded once to the fen, half away from zero**, and its
//! net amount is `amount − tax`, so the two add up to the line exactly. The rounding is
//! done on whole fen in integers (`fen × r / (10000 + r)` for a rate of `r` ten-thousandths),
//! so it is exact: no decimal division is cut off before it is rounded. Negative lines
//! (reversals, adjustments back) round the same way, mirrored: a reversal's tax is the
//! opposite of the fee's it takes back.
//!
//! A document's net and tax amounts are the sums of its lines' (never recomputed from its
//! total), and its breakdown has one entry per rate, each the sum of that rate's lines.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;

use crate::money::{Currency, Money, MoneyError};

/// A VAT rate: a fraction between 0 and 0.2 inclusive with at most four decimals
/// (`0.06` is 6 %, the rate of 信息技术服务).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxRate(Decimal);

/// Why a tax rate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxRateError {
    #[error("must be a decimal number such as 0.06")]
    NotANumber,
    #[error("must be between 0 and 0.2")]
    OutOfRange,
    #[error("must have at most 4 decimals")]
    TooManyDecimals,
}

impl TaxRate {
    /// The highest rate a plan may carry.
    pub const MAX: Decimal = Decimal::from_parts(2, 0, 0, false, 1);
    /// Decimals a rate may have: ten-thousandths.
    pub const MAX_DECIMALS: u32 = 4;

    pub fn new(rate: Decimal) -> Result<Self, TaxRateError> {
        if rate.is_sign_negative() && !rate.is_zero() || rate > Self::MAX {
            return Err(TaxRateError::OutOfRange);
        }
        let mut rate = rate.normalize();
        if rate.scale() > Self::MAX_DECIMALS {
            return Err(TaxRateError::TooManyDecimals);
        }
        // One form per rate (`0.06`, never `0.060`), at least two decimals.
        rate.rescale(rate.scale().max(2));
        Ok(Self(rate))
    }

    /// From its decimal string (`"0.06"`).
    pub fn parse(raw: &str) -> Result<Self, TaxRateError> {
        let rate = raw
            .trim()
            .parse::<Decimal>()
            .map_err(|_| TaxRateError::NotANumber)?;
        Self::new(rate)
    }

    /// 6 %: the rate of the platform's services (信息技术服务), the demo catalogue's, and
    /// what plans stored before rates existed were given.
    pub fn information_services() -> Self {
        Self(Decimal::new(6, 2))
    }

    pub fn zero() -> Self {
        Self(Decimal::new(0, 2))
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    /// As a percentage without trailing zeros: `6%`, `6.5%`, `0%`.
    pub fn percent(self) -> String {
        format!("{}%", (self.0 * Decimal::ONE_HUNDRED).normalize())
    }

    /// The rate in ten-thousandths (`0.06` → 600): exact, as the scale is at most four.
    fn ten_thousandths(self) -> i128 {
        let mut r = self.0;
        r.rescale(Self::MAX_DECIMALS);
        r.mantissa()
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A line's tax: its rate, and its amount split into net and tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTax {
    pub rate: TaxRate,
    pub net_amount: Money,
    pub tax_amount: Money,
}

/// Stored figures that do not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("net {net} and tax {tax} do not add up to {amount}")]
pub struct TaxMismatch {
    pub net: Money,
    pub tax: Money,
    pub amount: Money,
}

impl LineTax {
    /// The tax in `amount` (tax-inclusive) at `rate`, rounded as the module says.
    pub fn of(amount: Money, rate: TaxRate) -> Self {
        let tax = Money::rounded(tax_fen(amount, rate), amount.currency());
        Self {
            rate,
            tax_amount: tax,
            net_amount: Money::rounded(amount.amount() - tax.amount(), amount.currency()),
        }
    }

    /// Figures as stored with a line: they must add up to its amount.
    pub fn stored(
        amount: Money,
        rate: TaxRate,
        net_amount: Money,
        tax_amount: Money,
    ) -> Result<Self, TaxMismatch> {
        let mismatch = || TaxMismatch {
            net: net_amount,
            tax: tax_amount,
            amount,
        };
        let sum = net_amount
            .checked_add(&tax_amount)
            .map_err(|_| mismatch())?;
        if sum != amount {
            return Err(mismatch());
        }
        Ok(Self {
            rate,
            net_amount,
            tax_amount,
        })
    }

    /// The same line's tax with the opposite sign (a reversal of it).
    pub fn negated(&self) -> Self {
        Self {
            rate: self.rate,
            net_amount: self.net_amount.negated(),
            tax_amount: self.tax_amount.negated(),
        }
    }
}

/// `amount × rate / (1 + rate)` in yuan, already rounded to the fen half away from zero,
/// computed on whole fen.
fn tax_fen(amount: Money, rate: TaxRate) -> Decimal {
    let mut yuan = amount.amount();
    yuan.rescale(2);
    let fen = yuan.mantissa();
    let r = rate.ten_thousandths();
    let numerator = fen.abs() * r;
    let denominator = 10_000 + r;
    // Half away from zero: ⌊(2n + d) / 2d⌋ for n ≥ 0, mirrored for negative amounts.
    let rounded = (2 * numerator + denominator) / (2 * denominator);
    let signed = if fen < 0 { -rounded } else { rounded };
    // |tax| ≤ |amount|, so it fits wherever the amount does.
    Decimal::try_from_i128_with_scale(signed, 2).unwrap_or(Decimal::ZERO)
}

/// One rate's part of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateTotals {
    pub rate: TaxRate,
    pub net_amount: Money,
    pub tax_amount: Money,
    pub amount: Money,
}

/// A document's net and tax amounts (the sums of its lines') and its breakdown, one entry
/// per rate, lowest rate first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTax {
    pub net_amount: Money,
    pub tax_amount: Money,
    pub amount: Money,
    pub breakdown: Vec<RateTotals>,
}

impl DocumentTax {
    /// The tax of a document whose lines have these taxes and (tax-inclusive) amounts.
    pub fn of<'a>(
        currency: Currency,
        lines: impl IntoIterator<Item = (&'a LineTax, &'a Money)>,
    ) -> Result<Self, MoneyError> {
        Self::from_parts(
            currency,
            lines
                .into_iter()
                .map(|(t, amount)| (t.rate, t.net_amount, t.tax_amount, *amount)),
        )
    }

    /// The tax of several documents together (a fapiao request's invoices).
    pub fn combined<'a>(
        currency: Currency,
        documents: impl IntoIterator<Item = &'a DocumentTax>,
    ) -> Result<Self, MoneyError> {
        Self::from_parts(
            currency,
            documents.into_iter().flat_map(|d| {
                d.breakdown
                    .iter()
                    .map(|r| (r.rate, r.net_amount, r.tax_amount, r.amount))
            }),
        )
    }

    /// From per-rate parts (as stored); parts of one rate are summed.
    pub fn from_parts(
        currency: Currency,
        parts: impl IntoIterator<Item = (TaxRate, Money, Money, Money)>,
    ) -> Result<Self, MoneyError> {
        let zero = Money::zero(currency);
        let mut per_rate: BTreeMap<TaxRate, RateTotals> = BTreeMap::new();
        for (rate, net, tax, amount) in parts {
            let entry = per_rate.entry(rate).or_insert(RateTotals {
                rate,
                net_amount: zero,
                tax_amount: zero,
                amount: zero,
            });
            entry.net_amount = entry.net_amount.checked_add(&net)?;
            entry.tax_amount = entry.tax_amount.checked_add(&tax)?;
            entry.amount = entry.amount.checked_add(&amount)?;
        }
        let breakdown: Vec<RateTotals> = per_rate.into_values().collect();
        Ok(Self {
            net_amount: Money::sum(currency, breakdown.iter().map(|r| &r.net_amount))?,
            tax_amount: Money::sum(currency, breakdown.iter().map(|r| &r.tax_amount))?,
            amount: Money::sum(currency, breakdown.iter().map(|r| &r.amount))?,
            breakdown,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use rust_decimal_macros::dec;

    fn cny(amount: Decimal) -> Money {
        Money::new(amount, Currency::Cny).unwrap()
    }

    fn six() -> TaxRate {
        TaxRate::information_services()
    }

    #[test]
    fn rates_outside_zero_to_a_fifth_or_finer_than_ten_thousandths_are_refused() {
        assert_eq!(TaxRate::parse("0.06").unwrap().to_string(), "0.06");
        assert_eq!(TaxRate::parse("0.060").unwrap(), six());
        assert_eq!(TaxRate::parse("0.1").unwrap().to_string(), "0.10");
        assert_eq!(TaxRate::parse("0.0625").unwrap().to_string(), "0.0625");
        assert_eq!(TaxRate::parse("0").unwrap().to_string(), "0.00");
        assert_eq!(TaxRate::parse("0.2").unwrap().to_string(), "0.20");
        assert_eq!(TaxRate::parse("0.2001"), Err(TaxRateError::OutOfRange));
        assert_eq!(TaxRate::parse("-0.01"), Err(TaxRateError::OutOfRange));
        assert_eq!(
            TaxRate::parse("0.06251"),
            Err(TaxRateError::TooManyDecimals)
        );
        assert_eq!(TaxRate::parse("6%"), Err(TaxRateError::NotANumber));
        assert_eq!(six().percent(), "6%");
        assert_eq!(TaxRate::parse("0.065").unwrap().percent(), "6.5%");
        assert_eq!(TaxRate::zero().percent(), "0%");
    }

    #[test]
    fn a_line_splits_into_net_and_tax_that_add_up_exactly() {
        // 999 × 0.06 / 1.06 = 56.5471…
        let t = LineTax::of(cny(dec!(999.00)), six());
        assert_eq!(t.tax_amount.amount(), dec!(56.55));
        assert_eq!(t.net_amount.amount(), dec!(942.45));
        // 299 × 0.06 / 1.06 = 16.9245…; 2999 → 169.7547…
        assert_eq!(
            LineTax::of(cny(dec!(299.00)), six()).tax_amount.amount(),
            dec!(16.92)
        );
        assert_eq!(
            LineTax::of(cny(dec!(2999.00)), six()).tax_amount.amount(),
            dec!(169.75)
        );
        // 13 %: 100 × 0.13 / 1.13 = 11.5044…
        let t = LineTax::of(cny(dec!(100.00)), TaxRate::parse("0.13").unwrap());
        assert_eq!(
            (t.net_amount.amount(), t.tax_amount.amount()),
            (dec!(88.50), dec!(11.50))
        );
        assert!(LineTax::of(cny(dec!(0.00)), six()).tax_amount.is_zero());
        assert!(
            LineTax::of(cny(dec!(999.00)), TaxRate::zero())
                .tax_amount
                .is_zero()
        );
    }

    #[test]
    fn the_half_fen_rounds_away_from_zero_on_both_sides() {
        // 0.2 of 0.03 / 1.2 = 0.005 exactly: a tie, rounded away from zero.
        let fifth = TaxRate::parse("0.2").unwrap();
        assert_eq!(
            LineTax::of(cny(dec!(0.03)), fifth).tax_amount.amount(),
            dec!(0.01)
        );
        assert_eq!(
            LineTax::of(cny(dec!(-0.03)), fifth).tax_amount.amount(),
            dec!(-0.01)
        );
        // Just below a tie stays down: 0.2 × 0.02 / 1.2 = 0.00333…
        assert_eq!(
            LineTax::of(cny(dec!(0.02)), fifth).tax_amount.amount(),
            dec!(0.00)
        );
        // A reversal's tax is the fee's, negated.
        let fee = LineTax::of(cny(dec!(515.61)), six());
        assert_eq!(LineTax::of(cny(dec!(-515.61)), six()), fee.negated());
    }

    #[test]
    fn every_amount_splits_exactly_at_every_rate() {
        for fen in (-100_000_i64..100_000).step_by(7) {
            let amount = Money::from_minor(fen, Currency::Cny);
            for r in [0_i64, 1, 300, 600, 900, 1300, 1999, 2000] {
                let rate = TaxRate::new(Decimal::new(r, 4)).unwrap();
                let t = LineTax::of(amount, rate);
                assert_eq!(t.net_amount.checked_add(&t.tax_amount).unwrap(), amount);
                let exact = amount.amount() * rate.value() / (Decimal::ONE + rate.value());
                assert!(
                    (t.tax_amount.amount() - exact).abs() <= dec!(0.005),
                    "{fen} at {r}"
                );
            }
        }
    }

    #[test]
    fn stored_figures_must_add_up() {
        let amount = cny(dec!(999.00));
        assert!(LineTax::stored(amount, six(), cny(dec!(942.45)), cny(dec!(56.55))).is_ok());
        assert!(LineTax::stored(amount, six(), cny(dec!(942.45)), cny(dec!(56.54))).is_err());
    }

    #[test]
    fn a_documents_breakdown_has_one_entry_per_rate_adding_up_to_its_totals() {
        let line = |amount: Decimal, rate: &str| {
            let amount = cny(amount);
            (LineTax::of(amount, TaxRate::parse(rate).unwrap()), amount)
        };
        let lines = [
            line(dec!(999.00), "0.06"),
            line(dec!(-515.61), "0.06"),
            line(dec!(100.00), "0.13"),
        ];
        let doc = DocumentTax::of(Currency::Cny, lines.iter().map(|(t, a)| (t, a))).unwrap();
        assert_eq!(doc.breakdown.len(), 2);
        let six = &doc.breakdown[0];
        assert_eq!(six.rate, TaxRate::information_services());
        assert_eq!(six.amount.amount(), dec!(483.39));
        // Per line, then summed: 56.55 − 29.19 (not 483.39 × 6/106 = 27.36…, by chance equal).
        assert_eq!(six.tax_amount.amount(), dec!(27.36));
        assert_eq!(doc.tax_amount.amount(), dec!(38.86));
        assert_eq!(doc.amount.amount(), dec!(583.39));
        assert_eq!(
            doc.net_amount.checked_add(&doc.tax_amount).unwrap(),
            doc.amount
        );
        let again = DocumentTax::combined(Currency::Cny, [&doc, &doc]).unwrap();
        assert_eq!(again.tax_amount.amount(), dec!(77.72));
        assert_eq!(again.breakdown.len(), 2);
    }
}
