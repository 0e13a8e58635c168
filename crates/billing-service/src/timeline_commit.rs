//! [`TimelineCommit`]: the last step of every change of a subscription's timeline (a plan
//! change, a provisioning): store the new timeline (compare-and-set on its version), the
//! invoice that settles the periods already invoiced — and opens the current period when
//! it has no invoice yet (fees are billed in advance) — its events and the audit entry in
//! the unit of work, commit, and tell that the customer's entitlements changed.

use chrono::{DateTime, Utc};
use portal_domain::charges::settlement;
use portal_domain::{AuditEntry, Invoice, InvoiceKind, InvoiceLine, Month, Plan, Subscription};

use crate::charging::Charging;
use crate::entitlement_memo::EntitlementChanges;
use crate::error::BillingError;
use crate::events::{Events, SubscriptionChange};
use crate::period_bill::{BillInputs, UsageView, rebilled_usage};
use crate::ports::LedgerTxn;
use crate::time::BusinessTime;

/// A timeline change worked out in a unit of work, ready to be stored.
pub struct TimelineChange {
    /// The subscription with its new timeline (at the version read).
    pub changed: Subscription,
    /// What the new timeline owes now.
    pub settlement: Settlement,
    pub change: SubscriptionChange,
}

/// What a new timeline owes now: the lines that settle the periods invoiced from the
/// change's first month on and, when the current period is served but has no invoice
/// yet, that period's bill (its fees and the usage billed in arrears with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub lines: Vec<InvoiceLine>,
    /// `subscription` when it is the current period's first invoice, else `adjustment`.
    pub kind: InvoiceKind,
    /// With the current period's bill: the usage watermark to record with it, as a
    /// billing run of the period would.
    pub watermark: Option<DateTime<Utc>>,
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
    /// What the new timeline of `changed` owes now for the periods from `from` on, read
    /// in `txn` ([`Settlement`]): a plan change's preview and its invoice are both this.
    pub async fn settlement(
        &self,
        txn: &mut dyn LedgerTxn,
        changed: &Subscription,
        plans: &[Plan],
        from: Month,
    ) -> Result<Settlement, BillingError> {
        let current = Month::of(self.time.today());
        let opens = current >= from
            && changed.serves(current)
            && !txn.period_invoices().await?.contains(&current);
        let invoiced = txn.invoiced_lines(from).await?;
        // The current period's fees are the period bill's when it opens the period.
        let months = invoiced
            .keys()
            .copied()
            .filter(|m| !(opens && *m == current));
        let mut lines =
            settlement(&changed.segments, plans, &invoiced, months).map_err(anyhow::Error::new)?;
        let mut rebilled = rebilled_usage(txn, &changed.segments, plans, from, &invoiced).await?;
        if !opens {
            lines.extend(rebilled);
            return Ok(Settlement {
                lines,
                kind: InvoiceKind::Adjustment,
                watermark: None,
            });
        }
        let read_at = self.time.now();
        let inputs = BillInputs::read(txn, current).await?;
        let bill = inputs.bill(changed, plans, UsageView::Recorded)?;
        // A usage month the period's bill settles is not settled twice.
        rebilled.retain(|line| {
            line.detail
                .as_ref()
                .is_none_or(|d| !inputs.settles_usage_of(d.period))
        });
        lines.extend(rebilled);
        lines.extend(bill.lines);
        Ok(Settlement {
            lines,
            kind: bill.kind,
            watermark: Some(inputs.watermark(read_at)),
        })
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
        let Settlement {
            lines,
            kind,
            watermark,
        } = change.settlement;
        let invoice =
            self.charging
                .invoice_of(&customer, Month::of(self.time.today()), kind, lines)?;
        let saved = txn.save(&change.changed).await?;
        let issued = match &invoice {
            Some(new) => Some(self.charging.issue(txn, new).await?),
            None => None,
        };
        // The period's usage is settled only when its bill was issued.
        if let (Some(at), Some(_)) = (watermark, &issued) {
            txn.set_usage_watermark(at).await?;
        }
        if let Some(issued) = &issued {
            self.events.document_issued(txn, issued).await?;
        }
        Events::enqueue(
            txn,
            [self.events.subscription_changed(&saved, change.change)],
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
