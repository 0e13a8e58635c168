//! Invoice lines built from their facts ([`LineDetail`]), with their English wording as
//! the stored record.

use crate::invoice::{InvoiceLine, LineDetail, LineKind};
use crate::money::Money;
use crate::tax::{LineTax, TaxRate};
use crate::wording::Language;

impl InvoiceLine {
    /// A fee line of `amount` taxed at `rate` for what `detail` names: one unit, or minus
    /// one for a reversal. (Usage lines carry their units: see `usage_lines`.)
    pub fn from_detail(detail: LineDetail, amount: Money, rate: TaxRate) -> Self {
        let (quantity, unit_price) = match detail.kind {
            LineKind::Reversal => (-1, amount.negated()),
            _ => (1, amount),
        };
        let mut line = Self {
            description: String::new(),
            quantity,
            unit_price,
            amount,
            tax: LineTax::of(amount, rate),
            detail: Some(detail),
        };
        line.description = line.describe(Language::En);
        line
    }

    /// This fee line taken back: the same segment, the opposite amount, the same rate
    /// (so the opposite tax).
    pub fn reversed(&self) -> Self {
        match &self.detail {
            Some(detail) => Self::from_detail(
                LineDetail {
                    kind: LineKind::Reversal,
                    ..detail.clone()
                },
                self.amount.negated(),
                self.tax.rate,
            ),
            None => Self::new(
                format!("Reversal: {}", self.description),
                -self.quantity,
                self.unit_price,
                self.tax.rate,
            ),
        }
    }
}
