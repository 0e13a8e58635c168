//! The bill to come (contract §10): the next period's invoice as a billing run would
//! issue it now, and the same with this month's usage carried to its end. Computed by the
//! billing run's own code in a unit of work that writes nothing, so a run with nothing
//! changed in between issues exactly these lines.

use portal_domain::invoice::total_of;
use portal_domain::{Currency, InvoiceLine, Money, Month, Plan};

use std::sync::Arc;

use portal_domain::CustomerId;

use crate::error::BillingError;
use crate::period_bill::{BillInputs, UsageView};
use crate::ports::Ledger;
use crate::time::BusinessTime;

/// The next period's bill as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingBill {
    /// Next month: its fees and this month's usage are billed on its invoice.
    pub period: Month,
    pub currency: Currency,
    pub amount: Money,
    pub lines: Vec<InvoiceLine>,
    pub projected_amount: Money,
    pub projected_lines: Vec<InvoiceLine>,
}

/// Works out [`UpcomingBill`]s (the billing capability shows them; alert rules on the
/// projected amount are judged by them).
#[derive(Clone)]
pub struct UpcomingBills {
    ledger: Arc<dyn Ledger>,
    time: BusinessTime,
}

impl UpcomingBills {
    pub fn new(ledger: Arc<dyn Ledger>, time: BusinessTime) -> Self {
        Self { ledger, time }
    }

    /// The bill the next period's billing run would issue now for `customer`, and
    /// projected. Nothing owed (no subscription, or nothing to bill) is a bill of 0.00
    /// without lines.
    pub async fn of(&self, customer: &CustomerId) -> Result<UpcomingBill, BillingError> {
        let today = self.time.today();
        let period = Month::of(today).next();
        let mut txn = self.ledger.begin(customer).await?;
        let (lines, projected_lines, currency) = match txn.subscription().await? {
            Some(subscription)
                if subscription.serves(period) || subscription.serves(period.prev()) =>
            {
                let plans = txn.plans().await?;
                let inputs = BillInputs::read(txn.as_mut(), period).await?;
                let now = inputs.bill(&subscription, &plans, UsageView::Recorded)?;
                let projected =
                    inputs.bill(&subscription, &plans, UsageView::ProjectedFrom(today))?;
                let currency = Plan::currency_of(&plans);
                (now.lines, projected.lines, currency)
            }
            _ => (Vec::new(), Vec::new(), Currency::Cny),
        };
        // Read only: dropped without a commit, the unit of work writes nothing.
        drop(txn);
        Ok(UpcomingBill {
            period,
            currency,
            amount: total_of(currency, &lines)?,
            lines,
            projected_amount: total_of(currency, &projected_lines)?,
            projected_lines,
        })
    }
}
