//! The demo data set of the contract (§7): three plans, two customers, their
//! subscriptions, 90 days of usage and past invoices, dated relative to today.
//! Seeding only adds what is missing, so running it again changes nothing.

use chrono::{Datelike, Days, NaiveTime};
use portal_domain::billing_ops::period_lines;
use portal_domain::invoice::PAYMENT_TERM_DAYS;
use portal_domain::{
    Currency, CustomerId, InvoiceKind, InvoiceStatus, Month, NewCustomer, NewInvoice, Plan, PlanId,
    Product, Quotas, Subscription, SubscriptionId, SubscriptionStatus, UsageRecord,
};
use rust_decimal::Decimal;

use crate::error::BillingError;
use crate::service::BillingService;

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
    /// Invoice statuses for the previous months, oldest first.
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
        ],
        daily: (150, 10, 2),
    },
    DemoCustomer {
        id: "cust_demo2",
        company: "另一家贸易公司",
        contact: "李四",
        email: "lisi@example.com",
        plan: "basic",
        invoices: &[InvoiceStatus::Paid],
        daily: (40, 3, 1),
    },
];

/// The demo catalogue of the contract.
pub fn demo_plans() -> Result<Vec<Plan>, BillingError> {
    let plan = |id: &str, name: &str, price: i64, ai_chat, agent_seats, email| {
        Ok::<_, BillingError>(Plan {
            id: PlanId::parse(id).map_err(anyhow::Error::new)?,
            name: name.to_owned(),
            price: portal_domain::Money::new(Decimal::new(price, 0), Currency::Cny)?,
            quotas: Quotas {
                ai_chat,
                agent_seats,
                email,
            },
        })
    };
    Ok(vec![
        plan("basic", "基础版", 299, 2000, 2, 200)?,
        plan("pro", "专业版", 999, 10000, 5, 1000)?,
        plan("enterprise", "企业版", 2999, 50000, 20, 5000)?,
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

impl BillingService {
    /// Loads the demo data set; what exists already is left as it is.
    pub async fn seed_demo(&self) -> Result<SeedReport, BillingError> {
        let ports = self.ports();
        let now = ports.clock.now();
        let today = now.date_naive();
        let this_month = Month::of(today);
        let mut report = SeedReport::default();

        let plans = demo_plans()?;
        for plan in &plans {
            if ports.plans.find(&plan.id).await?.is_none() {
                ports.plans.upsert(plan).await?;
                report.plans += 1;
            }
        }

        for (index, demo) in CUSTOMERS.iter().enumerate() {
            let id = CustomerId::parse(demo.id).map_err(anyhow::Error::new)?;
            if ports.customers.find(&id).await?.is_none() {
                let data = NewCustomer::parse(demo.company, demo.contact, demo.email)?;
                ports.customers.upsert(&id, &data, now).await?;
                report.customers_created += 1;
            }

            let plan = plans
                .iter()
                .find(|p| p.id.as_str() == demo.plan)
                .ok_or_else(|| anyhow::anyhow!("demo plan {} missing", demo.plan))?;
            let start = this_month.prev().prev().prev().first_day();
            let subscription = Subscription {
                id: SubscriptionId::parse(&format!("sub_{}", demo.id))
                    .map_err(anyhow::Error::new)?,
                customer_id: id.clone(),
                plan_id: plan.id.clone(),
                start_date: start,
                end_date: Month::of(start + Days::new(366)).first_day() - Days::new(1),
                status: SubscriptionStatus::Active,
                version: 1,
                scheduled_change: None,
            };
            if ports.subscriptions.insert_if_absent(&subscription).await? {
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
            report.usage_records_added += ports.usage.insert_if_absent(&id, &records).await?;

            let periods = demo.invoices.len() as u32;
            let mut month = this_month;
            for _ in 0..periods {
                month = month.prev();
            }
            for status in demo.invoices {
                let issued = month.first_day();
                let invoice = NewInvoice {
                    customer_id: id.clone(),
                    period: month,
                    kind: InvoiceKind::Subscription,
                    status: *status,
                    currency: plan.price.currency(),
                    lines: period_lines(plan, month),
                    created_at: issued.and_time(NaiveTime::MIN).and_utc(),
                    due_date: issued + Days::new(PAYMENT_TERM_DAYS),
                };
                if ports.invoices.issue_for_period(&invoice).await?.is_some() {
                    report.invoices_created += 1;
                }
                month = month.next();
            }
        }
        Ok(report)
    }
}
