//! Money: an exact decimal amount with its currency.
//!
//! Amounts are `rust_decimal::Decimal`, never floats. The rounding rule for money is
//! stated once, here: **to the cent, half away from zero** (四舍五入, the convention of
//! Chinese invoices and of most accounting systems), applied to each invoice line, and an
//! invoice's total is the sum of its already rounded lines.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

/// The currencies the portal bills in. The platform bills in CNY only today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Cny,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
        }
    }

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code {
            "CNY" => Ok(Currency::Cny),
            other => Err(MoneyError::UnknownCurrency(other.to_owned())),
        }
    }

    /// Digits after the decimal point of the currency's minor unit (fen for CNY).
    pub fn minor_digits(self) -> u32 {
        match self {
            Currency::Cny => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0}")]
    UnknownCurrency(String),
    #[error("{0} has more decimals than the currency's minor unit")]
    SubMinorAmount(Decimal),
    #[error("amount {0} is out of range")]
    OutOfRange(Decimal),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(&'static str, &'static str),
}

/// An amount in a currency, always with at most the currency's minor digits once rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Money from an exact amount. Fails when it has digits below the minor unit:
    /// rounding must be asked for explicitly with [`Money::rounded`].
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let normalized = amount.normalize();
        if normalized.scale() > currency.minor_digits() {
            return Err(MoneyError::SubMinorAmount(amount));
        }
        Ok(Self::rescaled(amount, currency))
    }

    /// Money from any amount, rounded to the minor unit half away from zero.
    pub fn rounded(amount: Decimal, currency: Currency) -> Self {
        let r = amount.round_dp_with_strategy(
            currency.minor_digits(),
            RoundingStrategy::MidpointAwayFromZero,
        );
        Self::rescaled(r, currency)
    }

    fn rescaled(mut amount: Decimal, currency: Currency) -> Self {
        amount.rescale(currency.minor_digits());
        Self { amount, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::rescaled(Decimal::ZERO, currency)
    }

    /// From integer minor units (fen), the form in which money is stored.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self {
            amount: Decimal::new(minor, currency.minor_digits()),
            currency,
        }
    }

    /// To integer minor units (fen), exact.
    pub fn to_minor(&self) -> Result<i64, MoneyError> {
        let scaled = self.amount * Decimal::from(10_i64.pow(self.currency.minor_digits()));
        let minor = scaled.trunc();
        if minor != scaled {
            return Err(MoneyError::SubMinorAmount(self.amount));
        }
        i64::try_from(minor).map_err(|_| MoneyError::OutOfRange(self.amount))
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(
                self.currency.code(),
                other.currency.code(),
            ));
        }
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::OutOfRange(self.amount))?;
        Ok(Self::rescaled(sum, self.currency))
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.checked_add(&Money::rescaled(-other.amount, other.currency))
    }

    /// Sum of amounts of one currency; an empty sum is zero.
    /// The same amount with the opposite sign.
    pub fn negated(&self) -> Money {
        Self {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_always_carries_two_decimals() {
        let m = Money::new(dec!(999), Currency::Cny).unwrap();
        assert_eq!(m.amount().to_string(), "999.00");
        assert_eq!(
            Money::from_minor(99_900, Currency::Cny)
                .amount()
                .to_string(),
            "999.00"
        );
    }

    #[test]
    fn sub_cent_amounts_are_refused_unless_rounding_is_asked_for() {
        assert!(matches!(
            Money::new(dec!(1.005), Currency::Cny),
            Err(MoneyError::SubMinorAmount(_))
        ));
        // Trailing zeros are not sub-cent digits.
        assert!(Money::new(dec!(1.500), Currency::Cny).is_ok());
    }

    #[test]
    fn rounding_is_half_away_from_zero_at_the_half_cent() {
        assert_eq!(
            Money::rounded(dec!(0.005), Currency::Cny).amount(),
            dec!(0.01)
        );
        assert_eq!(
            Money::rounded(dec!(0.015), Currency::Cny).amount(),
            dec!(0.02)
        );
        assert_eq!(
            Money::rounded(dec!(0.025), Currency::Cny).amount(),
            dec!(0.03)
        );
        assert_eq!(
            Money::rounded(dec!(2.674999), Currency::Cny).amount(),
            dec!(2.67)
        );
        assert_eq!(
            Money::rounded(dec!(-0.005), Currency::Cny).amount(),
            dec!(-0.01)
        );
    }

    #[test]
    fn minor_units_round_trip_large_amounts_exactly() {
        let m = Money::new(dec!(12345678901234.56), Currency::Cny).unwrap();
        let minor = m.to_minor().unwrap();
        assert_eq!(minor, 1_234_567_890_123_456);
        assert_eq!(Money::from_minor(minor, Currency::Cny), m);
    }

    #[test]
    fn sums_are_exact_where_floats_drift() {
        let dime = Money::new(dec!(0.10), Currency::Cny).unwrap();
        let total = Money::sum(Currency::Cny, std::iter::repeat_n(&dime, 3)).unwrap();
        assert_eq!(total.amount(), dec!(0.30));
        let f: f64 = 0.1 + 0.1 + 0.1;
        assert_ne!(f, 0.3, "the float sum drifts; ours must not");
    }

    #[test]
    fn unknown_currency_is_an_error() {
        assert!(Currency::parse("USD").is_err());
        assert_eq!(Currency::parse("CNY").unwrap(), Currency::Cny);
    }
}
