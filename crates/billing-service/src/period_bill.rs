//! What a period's billing owes now: the period's fees (settled against what was
//! invoiced, `portal_domain::charges`) and usage billed in arrears — the previous month's
//! overage and the difference of any earlier month whose usage changed since it was
//! billed (`portal_domain::usage_lines`). The billing run issues it, and the upcoming
//! bill shows it, by this one function: preview = charge.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::overage::{month_overage, projected_records};
use portal_domain::usage_lines::settle_usage;
use portal_domain::{
    DateRange, InvoiceKind, InvoiceLine, Month, Plan, Segment, Subscription, UsageRecord,
};

use crate::error::BillingError;
use crate::ports::{InvoicedLines, LedgerTxn, USAGE_WATERMARK_MARGIN};
use portal_domain::charges::settlement;

/// Which usage a bill counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageView {
    /// Usage as recorded: what a billing run charges.
    Recorded,
    /// The month of this day carried to its end at its pace so far.
    ProjectedFrom(NaiveDate),
}

/// A period's billing as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodBill {
    pub lines: Vec<InvoiceLine>,
    /// `subscription` for the period's first invoice, `adjustment` after it.
    pub kind: InvoiceKind,
}

/// The months whose usage a bill of `period` settles: the month before it always, and
/// months that changed since the last settlement if they were billed already (their next
/// period has its invoice) or are older than the month before.
fn usage_months(
    period: Month,
    changed: &BTreeMap<Month, DateTime<Utc>>,
    period_invoices: &BTreeSet<Month>,
) -> BTreeSet<Month> {
    let previous = period.prev();
    let mut months: BTreeSet<Month> = changed
        .keys()
        .copied()
        .filter(|m| *m < previous || period_invoices.contains(&m.next()))
        .collect();
    months.insert(previous);
    months
}

/// `months` as runs of consecutive months, each at most 11 months long.
fn month_runs(months: &BTreeSet<Month>) -> Vec<(Month, Month)> {
    let mut runs: Vec<(Month, Month, u32)> = Vec::new();
    for m in months {
        match runs.last_mut() {
            Some((_, last, n)) if last.next() == *m && *n < 11 => {
                *last = *m;
                *n += 1;
            }
            _ => runs.push((*m, *m, 1)),
        }
    }
    runs.into_iter()
        .map(|(first, last, _)| (first, last))
        .collect()
}

/// What a bill of a period is computed from, read in one unit of work.
pub struct BillInputs {
    period: Month,
    /// The usage months it settles, with their daily usage.
    usage: BTreeMap<Month, Vec<UsageRecord>>,
    invoiced: InvoicedLines,
    period_invoices: BTreeSet<Month>,
    /// The earliest change of the months that changed but are not settled by this bill
    /// (months from `period` on, billed later): the watermark must not pass it.
    unsettled_since: Option<DateTime<Utc>>,
}

impl BillInputs {
    /// Reads what `period`'s bill needs in the open unit of work `txn`.
    pub async fn read(txn: &mut dyn LedgerTxn, period: Month) -> Result<Self, BillingError> {
        let since = txn
            .usage_watermark()
            .await?
            .map(|at| at - USAGE_WATERMARK_MARGIN);
        let changed = txn.usage_changed_since(since).await?;
        let period_invoices = txn.period_invoices().await?;
        let months = usage_months(period, &changed, &period_invoices);
        let unsettled_since = changed
            .iter()
            .filter(|(m, _)| !months.contains(m))
            .map(|(_, at)| *at)
            .min();
        let earliest = months.first().copied().unwrap_or(period).min(period);
        let invoiced = txn.invoiced_lines(earliest).await?;
        let mut usage: BTreeMap<Month, Vec<UsageRecord>> =
            months.iter().map(|m| (*m, Vec::new())).collect();
        // One read per run of consecutive months (at most 11: a range is ≤ 366 days).
        for (first, last) in month_runs(&months) {
            let range = DateRange::new(first.first_day(), last.last_day())?;
            for record in txn.usage(range).await? {
                if let Some(records) = usage.get_mut(&Month::of(record.date)) {
                    records.push(record);
                }
            }
        }
        Ok(Self {
            period,
            usage,
            invoiced,
            period_invoices,
            unsettled_since,
        })
    }

    /// Whether this bill settles the usage of `month`.
    pub fn settles_usage_of(&self, month: Month) -> bool {
        self.usage.contains_key(&month)
    }

    /// The watermark a billing run that read the usage at `read_at` and issued this bill
    /// may record: `read_at`, or earlier if a changed month waits for a later bill.
    pub fn watermark(&self, read_at: DateTime<Utc>) -> DateTime<Utc> {
        self.unsettled_since.map_or(read_at, |at| at.min(read_at))
    }

    /// What the period's billing owes now for `subscription`.
    pub fn bill(
        &self,
        subscription: &Subscription,
        plans: &[Plan],
        view: UsageView,
    ) -> Result<PeriodBill, BillingError> {
        let (period, invoiced) = (self.period, &self.invoiced);
        let segments = &subscription.segments;
        let mut lines = if subscription.serves(period) {
            settlement(segments, plans, invoiced, [period])?
        } else {
            Vec::new()
        };
        let currency = Plan::currency_of(plans);
        for (month, recorded) in &self.usage {
            let projected;
            let records = match view {
                UsageView::ProjectedFrom(today) => {
                    projected = projected_records(recorded, today);
                    &projected
                }
                UsageView::Recorded => recorded,
            };
            let owed = month_overage(segments, plans, *month, records, month.last_day(), currency);
            let billed = invoiced.get(month).map(Vec::as_slice).unwrap_or(&[]);
            let first = *month == period.prev() && !self.period_invoices.contains(&period);
            lines.extend(settle_usage(*month, &owed, billed, first));
        }
        let fee_lines_exist = invoiced.get(&period).is_some_and(|lines| {
            lines
                .iter()
                .any(|l| !l.detail.as_ref().is_some_and(|d| d.kind.is_usage()))
        });
        let kind = if self.period_invoices.contains(&period) || fee_lines_exist {
            InvoiceKind::Adjustment
        } else {
            InvoiceKind::Subscription
        };
        Ok(PeriodBill { lines, kind })
    }
}

/// The usage months from `from` on that a timeline change must settle at once: those
/// already billed — their next period has its invoice, or they have usage lines (a
/// late run billed them) — and those a run settled through the watermark (every change
/// of their usage lies before it, so no later run looks at them again). Months with
/// usage changed after the watermark wait for the next run; months without usage owe
/// nothing under any timeline.
fn rebilled_months(
    from: Month,
    period_invoices: &BTreeSet<Month>,
    invoiced: &InvoicedLines,
    with_usage: &BTreeSet<Month>,
    unsettled: &BTreeSet<Month>,
) -> BTreeSet<Month> {
    let billed = invoiced.iter().filter_map(|(month, lines)| {
        lines
            .iter()
            .any(|l| l.detail.as_ref().is_some_and(|d| d.kind.is_usage()))
            .then_some(*month)
    });
    period_invoices
        .iter()
        .map(Month::prev)
        .chain(billed)
        .chain(with_usage.difference(unsettled).copied())
        .filter(|m| *m >= from)
        .collect()
}

/// The usage lines a new timeline `segments` owes to the usage months from `from` on
/// that were settled already ([`rebilled_months`]): a plan change's difference to usage
/// billed under the old timeline (its included quota, its prices). `invoiced` holds the
/// lines from `from` on.
pub async fn rebilled_usage(
    txn: &mut dyn LedgerTxn,
    segments: &[Segment],
    plans: &[Plan],
    from: Month,
    invoiced: &InvoicedLines,
) -> Result<Vec<InvoiceLine>, BillingError> {
    let period_invoices = txn.period_invoices().await?;
    // Without a watermark no run has settled any usage through it.
    let (with_usage, unsettled) = match txn.usage_watermark().await? {
        Some(at) => (
            txn.usage_changed_since(None).await?.into_keys().collect(),
            txn.usage_changed_since(Some(at - USAGE_WATERMARK_MARGIN))
                .await?
                .into_keys()
                .collect(),
        ),
        None => (BTreeSet::new(), BTreeSet::new()),
    };
    let months = rebilled_months(from, &period_invoices, invoiced, &with_usage, &unsettled);
    let currency = Plan::currency_of(plans);
    let mut lines = Vec::new();
    for month in months {
        let records = txn.usage(DateRange::month(month)).await?;
        let owed = month_overage(segments, plans, month, &records, month.last_day(), currency);
        let billed = invoiced.get(&month).map(Vec::as_slice).unwrap_or(&[]);
        lines.extend(settle_usage(month, &owed, billed, false));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn m(raw: &str) -> Month {
        Month::parse(raw).unwrap()
    }

    #[test]
    fn consecutive_months_are_read_together_up_to_eleven() {
        let months: BTreeSet<Month> = ["2025-01", "2025-02", "2025-03", "2025-06"]
            .into_iter()
            .map(m)
            .collect();
        assert_eq!(
            month_runs(&months),
            [(m("2025-01"), m("2025-03")), (m("2025-06"), m("2025-06"))]
        );
        let mut year: BTreeSet<Month> = BTreeSet::new();
        let mut month = m("2025-01");
        for _ in 0..13 {
            year.insert(month);
            month = month.next();
        }
        assert_eq!(
            month_runs(&year),
            [(m("2025-01"), m("2025-11")), (m("2025-12"), m("2026-01"))]
        );
    }

    #[test]
    fn a_bill_settles_the_month_before_and_changed_months_already_billed() {
        let changed: BTreeMap<Month, DateTime<Utc>> =
            [m("2026-08"), m("2026-10"), m("2026-11"), m("2026-12")]
                .into_iter()
                .map(|month| (month, DateTime::UNIX_EPOCH))
                .collect();
        // December's invoice exists (November's usage was billed on it).
        let invoices: BTreeSet<Month> = [m("2026-09"), m("2026-12")].into_iter().collect();
        let months = usage_months(m("2026-12"), &changed, &invoices);
        // August: older than November. October: older. November: the month before.
        // December: not billed yet (January has no invoice), so it waits for January.
        assert_eq!(
            months.into_iter().collect::<Vec<_>>(),
            [m("2026-08"), m("2026-10"), m("2026-11")]
        );
        // A late run of October after December's: November changed and was billed.
        let months = usage_months(m("2026-10"), &changed, &invoices);
        assert_eq!(
            months.into_iter().collect::<Vec<_>>(),
            [m("2026-08"), m("2026-09"), m("2026-11")]
        );
    }

    #[test]
    fn a_timeline_change_settles_every_month_billed_or_past_the_watermark() {
        let set = |raw: &[&str]| -> BTreeSet<Month> { raw.iter().map(|r| m(r)).collect() };
        // February's usage went on a late run's invoice (March has no invoice of its
        // own); April's usage was settled at zero through the watermark; May's changed
        // after it; June has no usage at all.
        let usage_line = portal_domain::usage_lines::settle_usage(
            m("2026-02"),
            &[portal_domain::overage::ProductOverage {
                product: portal_domain::Product::AiChat,
                used: 301,
                included: 300,
                overage_units: 1,
                overage_amount: portal_domain::Money::from_minor(7, portal_domain::Currency::Cny),
                priced_by: Some(portal_domain::PlanId::parse("basic").unwrap()),
                plan_name: "basic".into(),
                unit_price: portal_domain::Money::from_minor(7, portal_domain::Currency::Cny),
                tax_rate: portal_domain::TaxRate::information_services(),
            }],
            &[],
            false,
        );
        let invoiced: InvoicedLines = [(m("2026-02"), usage_line)].into_iter().collect();
        let months = rebilled_months(
            m("2026-01"),
            &set(&["2026-01"]),
            &invoiced,
            &set(&["2026-02", "2026-04", "2026-05"]),
            &set(&["2026-05"]),
        );
        assert_eq!(months, set(&["2026-02", "2026-04"]));
        // Nothing before `from`.
        let months = rebilled_months(
            m("2026-03"),
            &set(&["2026-01"]),
            &invoiced,
            &set(&["2026-02", "2026-04"]),
            &set(&[]),
        );
        assert_eq!(months, set(&["2026-04"]));
    }
}
