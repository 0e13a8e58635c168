//! Cost analysis (费用分析, §16): the customer's charges of the last months, each line
//! counted toward the month it concerns (see [`portal_domain::costs`]).

use portal_domain::costs::{MAX_COST_MONTHS, MonthCosts, cost_months, monthly_costs};
use portal_domain::{Currency, FieldErrors, Month};
use tracing::instrument;

use super::{InvoiceError, Invoices};
use crate::principal::Principal;

/// Months shown when the caller does not say.
pub const DEFAULT_COST_MONTHS: u32 = 12;

impl Invoices {
    /// What each of the last `months` months (1 to 24, default 12; ending with this one)
    /// cost, oldest first. Read from the documents issued, never from a cache.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn costs(
        &self,
        principal: &Principal,
        months: Option<&str>,
    ) -> Result<Vec<MonthCosts>, InvoiceError> {
        let count = match months.map(str::trim) {
            None | Some("") => DEFAULT_COST_MONTHS,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_COST_MONTHS).contains(&n) => n,
                _ => {
                    return Err(FieldErrors::single(
                        "months",
                        "must be a whole number from 1 to 24",
                    )
                    .into());
                }
            },
        };
        let shown = cost_months(Month::of(self.time.today()), count);
        let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
            return Ok(Vec::new());
        };
        let documents = self
            .invoices
            .documents_of(&principal.customer_id, *first, *last)
            .await?;
        Ok(monthly_costs(&shown, Currency::Cny, &documents)?)
    }
}
