//! The platform's key schema (contract §5) and the JSON stored under each key. The
//! contract's fields come first; the extra fields let the portal rebuild its own
//! values from the cache (extending, never renaming).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use portal_domain::{
    ContactEmail, Customer, CustomerId, InvoiceId, InvoiceStatus, InvoiceSummary, Money, Month,
    OveragePrices, Plan, PlanId, Quotas, Segment, Subscription, SubscriptionId, SubscriptionStatus,
    TaxRate,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub fn customer_info(id: &CustomerId) -> String {
    format!("customer:{id}:info")
}

pub fn customer_subscription(id: &CustomerId) -> String {
    format!("customer:{id}:subscription")
}

pub fn plan(id: &PlanId) -> String {
    format!("plans:{id}")
}

pub fn usage_day(id: &CustomerId, date: NaiveDate, product: &str) -> String {
    format!("usage:{id}:{date}:{product}")
}

pub fn usage_summary(id: &CustomerId, month: Month) -> String {
    format!("usage:{id}:{month}:summary")
}

pub fn invoices(id: &CustomerId) -> String {
    format!("billing:{id}:invoices")
}

#[derive(Serialize, Deserialize)]
pub struct CustomerInfo {
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
    pub customer_id: String,
    #[serde(default)]
    pub version: i64,
}

impl CustomerInfo {
    pub fn of(c: &Customer) -> Self {
        Self {
            company_name: c.company_name.clone(),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.as_str().to_owned(),
            created_at: c.created_at,
            customer_id: c.id.to_string(),
            version: c.version,
        }
    }

    pub fn into_domain(self) -> Option<Customer> {
        Some(Customer {
            id: CustomerId::parse(&self.customer_id).ok()?,
            company_name: self.company_name,
            contact_name: self.contact_name,
            contact_email: ContactEmail::parse(&self.contact_email).ok()?,
            created_at: self.created_at,
            version: self.version,
        })
    }
}

/// A segment of the timeline, as kept in the subscription key for rebuilding.
#[derive(Serialize, Deserialize)]
pub struct SegmentInfo {
    pub plan_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `customer:{id}:subscription`. The contract's fields describe the plan serving the day
/// the key was written; `segments` (the whole timeline) is what the portal itself reads,
/// so a change that takes effect on its date is right here from that day on.
#[derive(Serialize, Deserialize)]
pub struct SubscriptionInfo {
    pub plan_id: String,
    pub plan_name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub version: i64,
    pub scheduled_plan_id: Option<String>,
    pub scheduled_effective_date: Option<NaiveDate>,
    pub segments: Vec<SegmentInfo>,
    /// The status as stored (`status` is the day's: `expired` after the last day).
    pub stored_status: String,
}

impl SubscriptionInfo {
    pub fn of(s: &Subscription, plan_name: &str, today: NaiveDate) -> Self {
        let scheduled = s.scheduled_change(today);
        Self {
            plan_id: s
                .plan_on(today)
                .map(ToString::to_string)
                .unwrap_or_default(),
            plan_name: plan_name.to_owned(),
            start_date: s.start_date(),
            end_date: s.end_date(),
            status: s.status_on(today).as_str().to_owned(),
            subscription_id: s.id.to_string(),
            customer_id: s.customer_id.to_string(),
            version: s.version,
            stored_status: s.status.as_str().to_owned(),
            scheduled_plan_id: scheduled.as_ref().map(|c| c.plan_id.to_string()),
            scheduled_effective_date: scheduled.as_ref().map(|c| c.effective_date),
            segments: s
                .segments
                .iter()
                .map(|g| SegmentInfo {
                    plan_id: g.plan_id.to_string(),
                    from: g.from,
                    to: g.to,
                })
                .collect(),
        }
    }
}

/// What the portal reads back from `customer:{id}:subscription`: only the fields that
/// rebuild the subscription (the contract's other fields are skipped, not parsed).
#[derive(Deserialize)]
pub struct SubscriptionKey {
    pub plan_name: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub version: i64,
    pub segments: Vec<SegmentInfo>,
    pub stored_status: String,
}

impl SubscriptionKey {
    pub fn into_domain(self) -> Option<Subscription> {
        let segments = self
            .segments
            .into_iter()
            .map(|g| Some(Segment::new(PlanId::parse(&g.plan_id).ok()?, g.from, g.to)))
            .collect::<Option<Vec<_>>>()?;
        if segments.is_empty() {
            return None;
        }
        Some(Subscription {
            id: SubscriptionId::parse(&self.subscription_id).ok()?,
            customer_id: CustomerId::parse(&self.customer_id).ok()?,
            segments,
            status: SubscriptionStatus::parse(&self.stored_status)?,
            version: self.version,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub struct Features {
    pub ai_chat_quota: i64,
    pub agent_seats: i64,
    pub email_quota: i64,
}

#[derive(Serialize, Deserialize)]
pub struct PlanInfo {
    pub name: String,
    /// Its English name (§16). A value cached before English names existed lacks it and
    /// is read again from the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Two decimals, as a string.
    pub price: String,
    pub period: String,
    pub features: Features,
    pub plan_id: String,
    pub currency: String,
    /// Prices beyond the quotas (§10), two decimals as strings. A value cached before
    /// they existed lacks them and is read again from the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overage: Option<OverageInfo>,
    /// The VAT rate its prices include (§14), a decimal string. A value cached before
    /// rates existed lacks it and is read again from the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub struct OverageInfo {
    pub ai_chat: String,
    pub email: String,
    pub agent_seats: String,
}

impl PlanInfo {
    pub fn of(p: &Plan) -> Self {
        Self {
            name: p.name.clone(),
            name_en: Some(p.name_en.clone()),
            price: p.price.amount().to_string(),
            period: Plan::PERIOD.to_owned(),
            features: Features {
                ai_chat_quota: p.quotas.ai_chat,
                agent_seats: p.quotas.agent_seats,
                email_quota: p.quotas.email,
            },
            plan_id: p.id.to_string(),
            currency: p.price.currency().code().to_owned(),
            overage: Some(OverageInfo {
                ai_chat: p.overage.ai_chat.amount().to_string(),
                email: p.overage.email.amount().to_string(),
                agent_seats: p.overage.agent_seats.amount().to_string(),
            }),
            tax_rate: Some(p.tax_rate.to_string()),
        }
    }

    pub fn into_domain(self) -> Option<Plan> {
        let currency = portal_domain::Currency::parse(&self.currency).ok()?;
        let price = |raw: &str| Money::new(raw.parse::<Decimal>().ok()?, currency).ok();
        let overage = self.overage?;
        Some(Plan {
            overage: OveragePrices {
                ai_chat: price(&overage.ai_chat)?,
                email: price(&overage.email)?,
                agent_seats: price(&overage.agent_seats)?,
            },
            tax_rate: TaxRate::parse(self.tax_rate.as_deref()?).ok()?,
            id: PlanId::parse(&self.plan_id).ok()?,
            name_en: self.name_en?,
            name: self.name,
            price: Money::new(self.price.parse::<Decimal>().ok()?, currency).ok()?,
            quotas: Quotas {
                ai_chat: self.features.ai_chat_quota,
                agent_seats: self.features.agent_seats,
                email: self.features.email_quota,
            },
        })
    }
}

#[derive(Serialize, Deserialize)]
pub struct InvoiceListItem {
    pub invoice_id: String,
    pub amount: String,
    pub period: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub currency: String,
    /// `YYYY-MM-DD` (an extension of §5's fields): the status is read against it. A value
    /// cached before it existed lacks it and is read again from the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<chrono::NaiveDate>,
    /// What was paid of it (§15, an extension like `due_date`: a value cached before it
    /// existed is read again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<String>,
}

impl InvoiceListItem {
    pub fn of(i: &InvoiceSummary) -> Self {
        Self {
            invoice_id: i.id.to_string(),
            amount: i.amount.amount().to_string(),
            period: i.period.to_string(),
            status: i.status.as_str().to_owned(),
            created_at: i.created_at,
            currency: i.amount.currency().code().to_owned(),
            due_date: Some(i.due_date),
            amount_paid: Some(i.amount_paid.amount().to_string()),
        }
    }

    pub fn into_domain(self) -> Option<InvoiceSummary> {
        let currency = portal_domain::Currency::parse(&self.currency).ok()?;
        Some(InvoiceSummary {
            id: InvoiceId::parse(&self.invoice_id).ok()?,
            amount: Money::new(self.amount.parse::<Decimal>().ok()?, currency).ok()?,
            period: Month::parse(&self.period).ok()?,
            status: InvoiceStatus::parse(&self.status)?,
            created_at: self.created_at,
            due_date: self.due_date?,
            document: portal_domain::DocumentKind::Invoice,
            amount_paid: Money::new(self.amount_paid?.parse::<Decimal>().ok()?, currency).ok()?,
        })
    }
}

/// The hash fields of a month's usage summary.
pub fn summary_fields(
    used: &BTreeMap<&'static str, i64>,
    at: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> =
        used.iter().map(|(k, v)| (*k, v.to_string())).collect();
    fields.push(("updated_at", at.to_rfc3339()));
    fields
}
