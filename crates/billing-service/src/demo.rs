//! The demo data set of the contract (§7): three plans, two customers, their
//! subscriptions, 90 days of usage and past invoices, dated relative to today.
//! Seeding only adds what is missing, so running it again changes nothing.

use chrono::{Datelike, Days, NaiveTime};
use portal_domain::invoice::PAYMENT_TERM_DAYS;
use portal_domain::{
    Currency, CustomerId, InvoiceKind, InvoiceStatus, Money, Month, NewCustomer, NewInvoice,
    OveragePrices, Plan, PlanId, Product, Quotas, Subscription, SubscriptionId, TaxRate,
    UsageRecord,
};

use crate::period_bill::{BillInputs, UsageView};
use rust_decimal::Decimal;

use std::sync::Arc;

use crate::error::BillingError;
use crate::ports::{
    CustomerRepository, Ledger, NewPayment, PlanCatalog, SubscriptionRepository, UsageRepository,
};
use crate::receivables::record_in;
use crate::time::BusinessTime;

/// At most how many days the demo's unpaid bills are overdue: fewer than the days after
/// which service is suspended.
const DEMO_DAYS_OVERDUE: u64 = 5;

/// Days of usage seeded, ending today.
pub const USAGE_DAYS: u64 = 90;

/// What a seeding run added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub plans: usize,
    pub customers_created: usize,
    pub subscriptions_created: usize,
    pub usage_records_added: u64,
    pub invoices_created: usize,
}

struct DemoCustomer {
    id: &'static str,
    company: &'static str,
    contact: &'static str,
    email: &'static str,
    plan: &'static str,
    /// Invoice statuses of the months from the subscription's first to the current one,
    /// oldest first: the first month is the subscription's start.
    invoices: &'static [InvoiceStatus],
    /// Daily usage around these values (ai_chat, email, agent_seats).
    daily: (i64, i64, i64),
}

const CUSTOMERS: [DemoCustomer; 2] = [
    DemoCustomer {
        id: "cust_demo",
        company: "示例科技有限公司",
        contact: "张三",
        email: "zhangsan@example.com",
        plan: "pro",
        invoices: &[
            InvoiceStatus::Paid,
            InvoiceStatus::Paid,
            InvoiceStatus::Pending,
            InvoiceStatus::Pending,
        ],
        daily: (150, 10, 2),
    },
    DemoCustomer {
        id: "cust_demo2",
        company: "另一家贸易公司",
        contact: "李四",
        email: "lisi@example.com",
        plan: "basic",
        invoices: &[InvoiceStatus::Paid, InvoiceStatus::Pending],
        daily: (40, 3, 1),
    },
];

/// The demo catalogue of the contract.
pub fn demo_plans() -> Result<Vec<Plan>, BillingError> {
    // Overage prices in fen: a conversation, an e-mail, a seat for a month (§10).
    let plan = |id: &str,
                (name, name_en): (&str, &str),
                price: i64,
                (ai_chat, agent_seats, email),
                overage| {
        let (chat_fen, email_fen, seat_fen) = overage;
        Ok::<_, BillingError>(Plan {
            id: PlanId::parse(id).map_err(anyhow::Error::new)?,
            name: name.to_owned(),
            name_en: name_en.to_owned(),
            price: portal_domain::Money::new(Decimal::new(price, 0), Currency::Cny)?,
            quotas: Quotas {
                ai_chat,
                agent_seats,
                email,
            },
            overage: OveragePrices {
                ai_chat: Money::from_minor(chat_fen, Currency::Cny),
                email: Money::from_minor(email_fen, Currency::Cny),
                agent_seats: Money::from_minor(seat_fen, Currency::Cny),
            },
            // 信息技术服务: 6 % (§14).
            tax_rate: TaxRate::information_services(),
        })
    };
    Ok(vec![
        plan(
            "basic",
            ("基础版", "Basic"),
            299,
            (2000, 2, 200),
            (8, 5, 12_900),
        )?,
        plan(
            "pro",
            ("专业版", "Pro"),
            999,
            (10000, 5, 1000),
            (5, 3, 9_900),
        )?,
        plan(
            "enterprise",
            ("企业版", "Enterprise"),
            2999,
            (50000, 20, 5000),
            (3, 2, 7_900),
        )?,
    ])
}

/// A reproducible pseudo-random number (splitmix64) so demo usage looks lived-in but is
/// the same on every run.
fn jitter(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Loads the demo data set through the ports the platform's provisioning uses.
pub struct DemoData {
    pub(crate) plans: Arc<dyn PlanCatalog>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) subscriptions: Arc<dyn SubscriptionRepository>,
    pub(crate) usage: Arc<dyn UsageRepository>,
    pub(crate) ledger: Arc<dyn Ledger>,
    pub(crate) time: BusinessTime,
}

impl DemoData {
    /// Loads the demo data set; what exists already is left as it is.
    pub async fn seed(&self) -> Result<SeedReport, BillingError> {
        let now = self.time.now();
        let calendar = *self.time.calendar();
        let today = calendar.date_of(now);
        let this_month = Month::of(today);
        let mut report = SeedReport::default();

        let plans = demo_plans()?;
        for plan in &plans {
            if self.plans.find(&plan.id).await?.is_none() {
                self.plans.upsert(plan).await?;
                report.plans += 1;
            }
        }

        for (index, demo) in CUSTOMERS.iter().enumerate() {
            let id = CustomerId::parse(demo.id).map_err(anyhow::Error::new)?;
            // The subscription starts with the first invoiced month; the account exists
            // a few days before it.
            let mut start_month = this_month;
            for _ in 1..demo.invoices.len() {
                start_month = start_month.prev();
            }
            let start = start_month.first_day();
            let signed_up = morning_of(&calendar, start - Days::new(5));
            if self.customers.find(&id).await?.is_none() {
                let data = NewCustomer::parse(demo.company, demo.contact, demo.email)?;
                self.customers.upsert(&id, &data, signed_up).await?;
                report.customers_created += 1;
            }

            let plan = plans
                .iter()
                .find(|p| p.id.as_str() == demo.plan)
                .ok_or_else(|| anyhow::anyhow!("demo plan {} missing", demo.plan))?;
            let subscription = Subscription::on_plan(
                SubscriptionId::parse(&format!("sub_{}", demo.id)).map_err(anyhow::Error::new)?,
                id.clone(),
                plan.id.clone(),
                start,
                Month::of(start + Days::new(366)).first_day() - Days::new(1),
            );
            if self.subscriptions.insert_if_absent(&subscription).await? {
                report.subscriptions_created += 1;
            }

            let mut records = Vec::new();
            for back in 0..USAGE_DAYS {
                let date = today - Days::new(back);
                let day = u64::from(date.num_days_from_ce().unsigned_abs());
                for (p, product) in Product::ALL.into_iter().enumerate() {
                    let base = match product {
                        Product::AiChat => demo.daily.0,
                        Product::Email => demo.daily.1,
                        Product::AgentSeats => demo.daily.2,
                    };
                    // Up to +100% for counted products, up to +2 seats for the gauge.
                    let spread = match product {
                        Product::AgentSeats => 3,
                        _ => base.max(1) as u64,
                    };
                    let noise = jitter(day * 31 + p as u64 * 7 + index as u64 * 1009) % spread;
                    records.push(UsageRecord {
                        date,
                        product,
                        count: base.max(1) + noise as i64,
                    });
                }
            }
            report.usage_records_added += self.usage.insert_if_absent(&id, &records).await?;

            // Each month invoiced on its first day, as a billing run would have.
            let mut month = start_month;
            for status in demo.invoices {
                if self.seed_invoice(&id, month, *status).await? {
                    report.invoices_created += 1;
                }
                month = month.next();
            }
        }
        Ok(report)
    }

    /// Issues `month`'s charges as they stood on its first day, unless it was invoiced.
    async fn seed_invoice(
        &self,
        customer: &CustomerId,
        month: Month,
        status: InvoiceStatus,
    ) -> Result<bool, BillingError> {
        let mut txn = self.ledger.begin(customer).await?;
        let Some(subscription) = txn.subscription().await? else {
            return Ok(false);
        };
        let plans = txn.plans().await?;
        if txn.period_invoices().await?.contains(&month) {
            return Ok(false);
        }
        // Its fees and the month before's usage, as the billing run bills them.
        let inputs = BillInputs::read(txn.as_mut(), month).await?;
        let lines = inputs
            .bill(&subscription, &plans, UsageView::Recorded)?
            .lines;
        let issued_on = month.first_day();
        let invoice = NewInvoice {
            customer_id: customer.clone(),
            period: month,
            kind: InvoiceKind::Subscription,
            // A paid one is issued owing, then paid below.
            status: if status == InvoiceStatus::Paid {
                InvoiceStatus::Pending
            } else {
                status
            },
            currency: Currency::Cny,
            lines,
            created_at: morning_of(self.time.calendar(), issued_on),
            issued_on,
            // An unpaid bill of the demo is at most a few days overdue: reminded, not
            // suspended (§15).
            due_date: if status == InvoiceStatus::Paid {
                issued_on + Days::new(PAYMENT_TERM_DAYS)
            } else {
                Ord::max(
                    issued_on + Days::new(PAYMENT_TERM_DAYS),
                    self.time.today() - Days::new(DEMO_DAYS_OVERDUE),
                )
            },
        };
        txn.save(&subscription).await?;
        let issued = txn.issue(&invoice).await?;
        if status == InvoiceStatus::Paid {
            // Paid by bank transfer the day it was issued.
            let payment = NewPayment {
                customer_id: customer.clone(),
                amount: issued.amount,
                reference: None,
                memo: Some(format!("DEMO-{}", issued.id)),
                method: "bank_transfer".to_owned(),
                paid_at: issued.created_at,
                created_at: issued.created_at,
                invoice_id: Some(issued.id.clone()),
            };
            record_in(txn.as_mut(), &payment, Some(&issued.id), issued.created_at).await?;
        }
        txn.set_usage_watermark(inputs.watermark(self.time.now()))
            .await?;
        txn.commit().await?;
        Ok(true)
    }
}

/// The instant a business day begins (09:00 there, clear of any zone's midnight gap).
fn morning_of(
    calendar: &portal_domain::BusinessCalendar,
    day: chrono::NaiveDate,
) -> chrono::DateTime<chrono::Utc> {
    let local = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN));
    calendar.instant_of(local)
}
