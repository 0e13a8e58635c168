//! What the app's unit tests share.

use portal_api_types::{Plan, PlanFeatures};
use rust_decimal::Decimal;

/// A plan of the catalogue with `price` a month, one unit of each quota, no overage price.
pub fn plan(id: &str, name: &str, price: Decimal) -> Plan {
    Plan {
        plan_id: id.into(),
        name: name.into(),
        name_en: format!("{name} (en)"),
        price,
        currency: "CNY".into(),
        period: "month".into(),
        features: PlanFeatures {
            ai_chat_quota: 1,
            agent_seats: 1,
            email_quota: 1,
        },
        overage: Default::default(),
        tax_rate: Decimal::new(6, 2),
    }
}
