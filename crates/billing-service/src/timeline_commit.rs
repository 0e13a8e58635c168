//! [`TimelineCommit`]: the last step of every change of a subscription's timeline (a plan
//! change, a provisioning): store the new timeline (compare-and-set on its version), the
//! adjustment invoice that settles the periods already invoiced, its events and the audit
//! entry in the unit of work, commit, and tell that the customer's entitlements changed.

use portal_domain::charges::settlement;
use portal_domain::{AuditEntry, Invoice, InvoiceKind, InvoiceLine, Month, Plan, Subscription};

use crate::charging::Charging;
use crate::entitlement_memo::EntitlementChanges;
use crate::error::BillingError;
use crate::events::{Events, SubscriptionChange};
use crate::period_bill::rebilled_usage;
use crate::ports::LedgerTxn;
use crate::time::BusinessTime;

/// A timeline change worked out in a unit of work, ready to be stored.
pub struct TimelineChange {
    /// The subscription with its new timeline (at the version read).
    pub changed: Subscription,
    /// The lines that settle the invoiced periods under the new timeline.
    pub lines: Vec<InvoiceLine>,
    pub change: SubscriptionChange,
}

/// What a stored timeline change wrote.
pub struct Committed {
    pub saved: Subscription,
    pub invoice: Option<Invoice>,
}

#[derive(Clone)]
pub struct TimelineCommit {
    pub(crate) charging: Charging,
    pub(crate) events: Events,
    pub(crate) entitlements: EntitlementChanges,
    pub(crate) time: BusinessTime,
}

impl TimelineCommit {
    /// The lines that settle the invoiced periods from `from` on under `segments` (fees
    /// and the usage billed under them), read in `txn`.
    pub async fn settlement(
        &self,
        txn: &mut dyn LedgerTxn,
        changed: &Subscription,
        plans: &[Plan],
        from: Month,
    ) -> Result<Vec<InvoiceLine>, BillingError> {
        let invoiced = txn.invoiced_lines(from).await?;
        let mut lines = settlement(
            &changed.segments,
            plans,
            &invoiced,
            invoiced.keys().copied(),
        )
        .map_err(anyhow::Error::new)?;
        lines.extend(rebilled_usage(txn, &changed.segments, plans, from, &invoiced).await?);
        Ok(lines)
    }

    /// Writes `change` in `txn` (the timeline, the adjustment invoice when anything is
    /// owed or credited, their events, and `audit`, to which the invoice's id is added),
    /// without committing: the caller may write more in the same unit of work.
    pub async fn write(
        &self,
        txn: &mut dyn LedgerTxn,
        change: TimelineChange,
        audit: Vec<AuditEntry>,
    ) -> Result<Committed, BillingError> {
        let customer = change.changed.customer_id.clone();
        let invoice = self.charging.invoice_of(
            &customer,
            Month::of(self.time.today()),
            InvoiceKind::Adjustment,
            change.lines,
        )?;
        let saved = txn.save(&change.changed).await?;
        let issued = match &invoice {
            Some(new) => Some(self.charging.issue(txn, new).await?),
            None => None,
        };
        Events::enqueue(
            txn,
            [
                issued.as_ref().and_then(|i| self.events.invoice_issued(i)),
                self.events.subscription_changed(&saved, change.change),
            ],
        )
        .await?;
        for (i, mut entry) in audit.into_iter().enumerate() {
            if i == 0
                && let Some(issued) = &issued
            {
                entry
                    .after
                    .insert("invoice_id".into(), issued.id.to_string());
            }
            txn.record(&entry).await?;
        }
        Ok(Committed {
            saved,
            invoice: issued,
        })
    }

    /// Commits `txn` and tells that the customer's entitlements changed.
    pub async fn commit(
        &self,
        txn: Box<dyn LedgerTxn + '_>,
        committed: &Committed,
    ) -> Result<(), BillingError> {
        txn.commit().await?;
        self.entitlements
            .changed(std::slice::from_ref(&committed.saved.customer_id))
            .await;
        Ok(())
    }
}
