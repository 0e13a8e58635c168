//! Mapping between domain values and the API's bodies.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use portal_api_types as api;
use portal_billing::receivables::{BalanceView, CreditNoteView};
use portal_billing::{PaymentOutcome, SubscriptionView, UpgradeQuote, UsageOverview};
use portal_domain::invoice::document_tax;
use portal_domain::receivables::{AppliedCredit, Statement};
use portal_domain::{
    Customer, DocumentTax, FieldErrors, Invoice, InvoiceId, InvoiceLine, InvoiceSummary, Language,
    MoneyError, Plan, PlanId, UsageRecord, amount_in_words,
};

/// A plan id from a request: one that cannot name a plan is an unknown plan (422).
pub fn plan_id(raw: &str) -> Result<PlanId, crate::error::ApiError> {
    PlanId::parse(raw).map_err(|_| FieldErrors::single("plan_id", "no such plan").into())
}

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// ISO 8601 (`2026-12-07`), exactly as chrono's `Display` prints it, written digit by
/// digit: the 366-day usage detail formats 1,098 dates, and `Display` (through `fmt`, a
/// `write_char` per character) cost about 1,000 instructions each there, this about 300
/// (`scripts/profile-request-path.sh`). Years outside 0–9999 take chrono's own path.
pub fn date(d: NaiveDate) -> String {
    let year = match u32::try_from(d.year()) {
        Ok(year) if year <= 9999 => year,
        _ => return d.to_string(),
    };
    let mut out = String::with_capacity(10);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, d.month(), 2);
    out.push('-');
    push_digits(&mut out, d.day(), 2);
    out
}

/// `value`'s last `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from_digit(digit, 10).unwrap_or('0'));
    }
}

pub fn account(c: &Customer) -> api::Account {
    api::Account {
        customer_id: c.id.to_string(),
        company_name: c.company_name.clone(),
        contact_name: c.contact_name.clone(),
        contact_email: c.contact_email.as_str().to_owned(),
        created_at: timestamp(c.created_at),
    }
}

pub fn subscription(v: &SubscriptionView) -> api::Subscription {
    api::Subscription {
        subscription_id: v.subscription.id.to_string(),
        plan_id: v.plan.id.to_string(),
        plan_name: v.plan.name.clone(),
        plan_name_en: v.plan.name_en.clone(),
        start_date: date(v.subscription.start_date()),
        end_date: date(v.subscription.end_date()),
        status: v.status.as_str().to_owned(),
        scheduled_change: v.scheduled_change.as_ref().map(|c| api::ScheduledChange {
            plan_id: c.plan_id.to_string(),
            effective_date: date(c.effective_date),
        }),
        segments: v
            .segments
            .iter()
            .map(|s| api::Segment {
                plan_id: s.plan_id.to_string(),
                from: date(s.from),
                to: date(s.to),
            })
            .collect(),
    }
}

pub fn audit_entry(e: &portal_domain::AuditEntry) -> api::AuditLogEntry {
    api::AuditLogEntry {
        at: timestamp(e.at),
        user_id: e.user_id.to_string(),
        user_name: e.user_name.clone(),
        action: e.action.as_str().to_owned(),
        details: api::AuditDetails {
            before: e.before.clone(),
            after: e.after.clone(),
        },
    }
}

pub fn upgrade_response(
    o: &portal_billing::UpgradeOutcome,
    language: Language,
) -> Result<api::UpgradeResponse, MoneyError> {
    Ok(api::UpgradeResponse {
        subscription: subscription(&o.subscription),
        invoice: o
            .invoice
            .as_ref()
            .map(|i| invoice(i, &[], language))
            .transpose()?,
    })
}

pub fn plan(p: &Plan) -> api::Plan {
    api::Plan {
        plan_id: p.id.to_string(),
        name: p.name.clone(),
        name_en: p.name_en.clone(),
        price: p.price.amount(),
        currency: p.price.currency().code().to_owned(),
        period: Plan::PERIOD.to_owned(),
        features: api::PlanFeatures {
            ai_chat_quota: p.quotas.ai_chat,
            agent_seats: p.quotas.agent_seats,
            email_quota: p.quotas.email,
        },
        overage: api::PlanOverage {
            ai_chat: p.overage.ai_chat.amount(),
            email: p.overage.email.amount(),
            agent_seats: p.overage.agent_seats.amount(),
        },
        tax_rate: p.tax_rate.value(),
    }
}

/// A document's tax per rate (§14).
pub fn tax_breakdown(t: &DocumentTax) -> Vec<api::TaxBreakdownEntry> {
    t.breakdown
        .iter()
        .map(|r| api::TaxBreakdownEntry {
            tax_rate: r.rate.value(),
            net_amount: r.net_amount.amount(),
            tax_amount: r.tax_amount.amount(),
            amount: r.amount.amount(),
        })
        .collect()
}

/// A line worded in `language`, with what it is as data.
pub fn line(l: &InvoiceLine, language: Language) -> api::InvoiceLine {
    let d = l.detail.as_ref();
    let u = d.and_then(|d| d.usage.as_ref());
    api::InvoiceLine {
        description: l.describe(language),
        quantity: l.quantity,
        unit_price: l.unit_price.amount(),
        amount: l.amount.amount(),
        kind: d.map_or("legacy", |d| d.kind.as_str()).to_owned(),
        plan_id: d.map(|d| d.plan_id.to_string()),
        period: d.map(|d| d.period.to_string()),
        from: d.map(|d| date(d.from)),
        to: d.map(|d| date(d.to)),
        days: d.map(|d| d.days),
        days_in_month: d.map(|d| d.days_in_month),
        product: u.map(|u| u.product.as_str().to_owned()),
        used: u.map(|u| u.used),
        included: u.map(|u| u.included),
        tax_rate: l.tax.rate.value(),
        net_amount: l.tax.net_amount.amount(),
        tax_amount: l.tax.tax_amount.amount(),
    }
}

pub fn upcoming(
    b: &portal_billing::UpcomingBill,
    language: Language,
) -> Result<api::UpcomingBill, MoneyError> {
    let tax = document_tax(b.currency, &b.lines)?;
    let projected = document_tax(b.currency, &b.projected_lines)?;
    Ok(api::UpcomingBill {
        period: b.period.to_string(),
        currency: b.currency.code().to_owned(),
        amount: b.amount.amount(),
        lines: b.lines.iter().map(|l| line(l, language)).collect(),
        projected_amount: b.projected_amount.amount(),
        projected_lines: b
            .projected_lines
            .iter()
            .map(|l| line(l, language))
            .collect(),
        net_amount: tax.net_amount.amount(),
        tax_amount: tax.tax_amount.amount(),
        tax_breakdown: tax_breakdown(&tax),
        amount_in_words: amount_in_words(&b.amount),
        projected_net_amount: projected.net_amount.amount(),
        projected_tax_amount: projected.tax_amount.amount(),
        projected_tax_breakdown: tax_breakdown(&projected),
    })
}

pub fn invoice_summary(i: &InvoiceSummary) -> api::InvoiceSummary {
    api::InvoiceSummary {
        invoice_id: i.id.to_string(),
        amount: i.amount.amount(),
        currency: i.amount.currency().code().to_owned(),
        period: i.period.to_string(),
        status: i.status.as_str().to_owned(),
        created_at: timestamp(i.created_at),
        fapiao_status: "none".to_owned(),
        amount_paid: i.amount_paid.amount(),
        amount_due: i
            .amount_due()
            .map_or(rust_decimal::Decimal::ZERO, |d| d.amount()),
        due_date: date(i.due_date),
    }
}

pub fn invoice(
    i: &Invoice,
    credit_note_ids: &[InvoiceId],
    language: Language,
) -> Result<api::Invoice, MoneyError> {
    let tax = i.tax()?;
    let api::InvoiceSummary {
        invoice_id,
        amount,
        currency,
        period,
        status,
        created_at,
        amount_paid,
        amount_due,
        ..
    } = invoice_summary(&i.summary());
    Ok(api::Invoice {
        invoice_id,
        amount,
        currency,
        period,
        status,
        created_at,
        due_date: date(i.due_date),
        lines: i.lines.iter().map(|l| line(l, language)).collect(),
        kind: i.kind.as_str().to_owned(),
        payments: i
            .payments
            .iter()
            .map(|p| api::Payment {
                amount: p.amount.amount(),
                reference: p.reference.clone(),
                paid_at: timestamp(p.paid_at),
            })
            .collect(),
        net_amount: tax.net_amount.amount(),
        tax_amount: tax.tax_amount.amount(),
        tax_breakdown: tax_breakdown(&tax),
        amount_in_words: amount_in_words(&i.amount),
        amount_paid,
        amount_due,
        applications: i.applications.iter().map(application).collect(),
        credit_note_ids: credit_note_ids.iter().map(ToString::to_string).collect(),
    })
}

pub fn application(a: &AppliedCredit) -> api::Application {
    api::Application {
        source: a.source.as_str().to_owned(),
        id: a.id.clone(),
        amount: a.amount.amount(),
        at: timestamp(a.at),
    }
}

/// A credit note as listed: what it credits, positive.
pub fn credit_note_summary(c: &InvoiceSummary) -> api::CreditNoteSummary {
    api::CreditNoteSummary {
        credit_note_id: c.id.to_string(),
        amount: c.amount.negated().amount(),
        currency: c.amount.currency().code().to_owned(),
        period: c.period.to_string(),
        status: c.status.as_str().to_owned(),
        created_at: timestamp(c.created_at),
    }
}

/// A credit note: its lines as issued, its amount and tax what it credits (positive).
pub fn credit_note(v: &CreditNoteView, language: Language) -> Result<api::CreditNote, MoneyError> {
    let c = &v.credit_note;
    let tax = c.tax()?;
    let summary = credit_note_summary(&c.summary());
    let credited = c.amount.negated();
    Ok(api::CreditNote {
        credit_note_id: summary.credit_note_id,
        amount: summary.amount,
        currency: summary.currency,
        period: summary.period,
        status: summary.status,
        created_at: summary.created_at,
        lines: c.lines.iter().map(|l| line(l, language)).collect(),
        net_amount: tax.net_amount.negated().amount(),
        tax_amount: tax.tax_amount.negated().amount(),
        tax_breakdown: tax_breakdown(&tax)
            .into_iter()
            .map(|e| api::TaxBreakdownEntry {
                net_amount: -e.net_amount,
                tax_amount: -e.tax_amount,
                amount: -e.amount,
                ..e
            })
            .collect(),
        amount_in_words: amount_in_words(&credited),
        credits_invoice_ids: v
            .credits_invoice_ids
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

pub fn statement(s: &Statement, language: Language) -> api::Statement {
    api::Statement {
        from: s.from.to_string(),
        to: s.to.to_string(),
        currency: s.currency.code().to_owned(),
        opening_balance: s.opening_balance.amount(),
        entries: s
            .entries
            .iter()
            .map(|e| api::StatementEntry {
                date: date(e.entry.date),
                kind: e.entry.kind.as_str().to_owned(),
                id: e.entry.id.clone(),
                description: e.entry.describe(language),
                debit: e.entry.debit.amount(),
                credit: e.entry.credit.amount(),
                balance: e.balance.amount(),
            })
            .collect(),
        closing_balance: s.closing_balance.amount(),
    }
}

pub fn balance(v: &BalanceView) -> api::Balance {
    let b = &v.balance;
    api::Balance {
        currency: b.currency.code().to_owned(),
        outstanding: b.outstanding.amount(),
        overdue: b.overdue.amount(),
        credit: b.credit.amount(),
        next_due_date: b.next_due_date.map(date),
        remittance_code: v.remittance_code.as_str().to_owned(),
        suspended: v.suspended,
        pay_to: api::PayTo {
            account_name: v.pay_to.account_name.clone(),
            bank_name: v.pay_to.bank_name.clone(),
            account_number: v.pay_to.account_number.clone(),
        },
    }
}

pub fn payment_receipt(o: &PaymentOutcome) -> api::PaymentReceipt {
    let p = &o.payment;
    api::PaymentReceipt {
        payment_id: p.id.clone(),
        customer_id: p.customer_id.to_string(),
        amount: p.amount.amount(),
        currency: p.amount.currency().code().to_owned(),
        reference: p.reference.clone().unwrap_or_default(),
        paid_at: timestamp(p.paid_at),
        method: p.method.clone(),
        applications: o
            .applications
            .iter()
            .map(|(id, amount)| api::PaymentApplication {
                invoice_id: id.to_string(),
                amount: amount.amount(),
            })
            .collect(),
        credit: o.credit.amount(),
    }
}

pub fn upgrade_preview(
    q: &UpgradeQuote,
    language: Language,
) -> Result<api::UpgradePreview, MoneyError> {
    let tax = document_tax(q.amount.currency(), &q.lines)?;
    Ok(api::UpgradePreview {
        plan_id: q.plan_id.to_string(),
        amount: q.amount.amount(),
        currency: q.amount.currency().code().to_owned(),
        proration_date: date(q.proration_date),
        lines: q.lines.iter().map(|l| line(l, language)).collect(),
        net_amount: tax.net_amount.amount(),
        tax_amount: tax.tax_amount.amount(),
        tax_breakdown: tax_breakdown(&tax),
        amount_in_words: amount_in_words(&q.amount),
    })
}

pub fn usage_overview(o: &UsageOverview) -> api::UsageOverview {
    api::UsageOverview {
        month: o.month.to_string(),
        products: o
            .products
            .iter()
            .map(|s| {
                let overage = o.overage.iter().find(|x| x.product == s.product);
                api::ProductUsage {
                    product: s.product.as_str().to_owned(),
                    used: s.used,
                    quota: s.quota,
                    percent: s.percent,
                    projected: s.projected,
                    alert: s.alert.as_str().to_owned(),
                    included: overage.map_or(0, |x| x.included),
                    overage_units: overage.map_or(0, |x| x.overage_units),
                    overage_amount: overage
                        .map_or(rust_decimal::Decimal::ZERO, |x| x.overage_amount.amount()),
                }
            })
            .collect(),
    }
}

pub fn usage_item(r: &UsageRecord) -> api::UsageItem {
    api::UsageItem {
        date: date(r.date),
        product: r.product.as_str().to_owned(),
        count: r.count,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Days, NaiveDate};

    #[test]
    fn dates_print_as_chrono_prints_them() {
        let mut day = NaiveDate::from_ymd_opt(1999, 12, 25).expect("a date");
        while day.year() < 2032 {
            assert_eq!(super::date(day), day.to_string());
            day = day + Days::new(1);
        }
        for (y, m, d) in [
            (0, 1, 1),
            (9, 2, 3),
            (999, 10, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
        ] {
            let day = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            assert_eq!(super::date(day), day.to_string(), "year {y}");
        }
    }
}
