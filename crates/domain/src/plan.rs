//! Plans of the catalogue, their quotas, and which plan change is an upgrade.

use std::cmp::Ordering;

use crate::ids::PlanId;
use crate::money::Money;
use crate::product::Product;
use crate::tax::TaxRate;

/// Monthly quotas of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub ai_chat: i64,
    pub agent_seats: i64,
    pub email: i64,
}

impl Quotas {
    pub fn for_product(&self, product: Product) -> i64 {
        match product {
            Product::AiChat => self.ai_chat,
            Product::Email => self.email,
            Product::AgentSeats => self.agent_seats,
        }
    }
}

/// The price of one unit beyond what a plan includes (contract §10): one conversation,
/// one e-mail, one seat for one month (charged per seat-day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OveragePrices {
    pub ai_chat: Money,
    pub email: Money,
    pub agent_seats: Money,
}

impl OveragePrices {
    pub fn for_product(&self, product: Product) -> Money {
        match product {
            Product::AiChat => self.ai_chat,
            Product::Email => self.email,
            Product::AgentSeats => self.agent_seats,
        }
    }

    /// No charge beyond the plan.
    pub fn free(currency: crate::money::Currency) -> Self {
        let zero = Money::zero(currency);
        Self {
            ai_chat: zero,
            email: zero,
            agent_seats: zero,
        }
    }
}

/// A plan, priced per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: PlanId,
    /// Its name in Chinese, as the catalogue gives it.
    pub name: String,
    /// Its name in English (its `name` when the catalogue gives none).
    pub name_en: String,
    pub price: Money,
    pub quotas: Quotas,
    pub overage: OveragePrices,
    /// The VAT rate its prices include (§14); its overage lines take it too.
    pub tax_rate: TaxRate,
}

impl Plan {
    /// The billing period of every plan today.
    pub const PERIOD: &'static str = "month";

    /// Its name in `language`.
    pub fn name_in(&self, language: crate::wording::Language) -> &str {
        match language {
            crate::wording::Language::Zh => &self.name,
            crate::wording::Language::En => &self.name_en,
        }
    }

    /// The currency a catalogue charges in (its plans share one; CNY when empty).
    pub fn currency_of(catalogue: &[Plan]) -> crate::money::Currency {
        catalogue
            .first()
            .map_or(crate::money::Currency::Cny, |p| p.price.currency())
    }
}

/// What moving from one plan to another is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanChange {
    Upgrade,
    Same,
    Downgrade,
}

impl PlanChange {
    /// An upgrade is a move to a different plan with a strictly higher price. The same
    /// plan, or a plan of equal or lower price, is not an upgrade.
    pub fn between(current: &Plan, target: &Plan) -> PlanChange {
        if current.id == target.id {
            return PlanChange::Same;
        }
        match target.price.amount().cmp(&current.price.amount()) {
            Ordering::Greater => PlanChange::Upgrade,
            Ordering::Equal => PlanChange::Same,
            Ordering::Less => PlanChange::Downgrade,
        }
    }
}

/// Sorts plans cheapest first, by id where prices are equal, so the order is stable.
pub fn sort_cheapest_first(plans: &mut [Plan]) {
    plans.sort_by(|a, b| {
        a.price
            .amount()
            .cmp(&b.price.amount())
            .then_with(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::Decimal;

    pub fn plan(id: &str, price: &str) -> Plan {
        plan_with(id, price, (1000, 2, 100), ("0.05", "99.00", "0.03"))
    }

    fn cny(amount: &str) -> Money {
        Money::new(amount.parse::<Decimal>().unwrap(), Currency::Cny).unwrap()
    }

    /// A plan with quotas `(ai_chat, agent_seats, email)` and overage prices in the same
    /// order.
    pub fn plan_with(
        id: &str,
        price: &str,
        (ai_chat, agent_seats, email): (i64, i64, i64),
        overage: (&str, &str, &str),
    ) -> Plan {
        Plan {
            id: PlanId::parse(id).unwrap(),
            name: id.to_owned(),
            name_en: id.to_owned(),
            price: cny(price),
            quotas: Quotas {
                ai_chat,
                agent_seats,
                email,
            },
            overage: OveragePrices {
                ai_chat: cny(overage.0),
                agent_seats: cny(overage.1),
                email: cny(overage.2),
            },
            tax_rate: TaxRate::information_services(),
        }
    }

    #[test]
    fn only_a_strictly_dearer_plan_is_an_upgrade() {
        let basic = plan("basic", "299.00");
        let pro = plan("pro", "999.00");
        let pro_twin = plan("pro_twin", "999.00");
        assert_eq!(PlanChange::between(&basic, &pro), PlanChange::Upgrade);
        assert_eq!(PlanChange::between(&pro, &basic), PlanChange::Downgrade);
        assert_eq!(PlanChange::between(&pro, &pro), PlanChange::Same);
        assert_eq!(PlanChange::between(&pro, &pro_twin), PlanChange::Same);
    }

    #[test]
    fn sorts_cheapest_first() {
        let mut plans = vec![
            plan("enterprise", "2999"),
            plan("basic", "299"),
            plan("pro", "999"),
        ];
        sort_cheapest_first(&mut plans);
        let ids: Vec<_> = plans.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["basic", "pro", "enterprise"]);
    }
}
