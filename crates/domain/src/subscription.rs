//! A customer's subscription to a plan and its status rules.

use chrono::NaiveDate;

use crate::ids::{CustomerId, PlanId, SubscriptionId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Expired,
    Cancelled,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Expired => "expired",
            SubscriptionStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(SubscriptionStatus::Active),
            "expired" => Some(SubscriptionStatus::Expired),
            "cancelled" => Some(SubscriptionStatus::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub plan_id: PlanId,
    /// First day of service.
    pub start_date: NaiveDate,
    /// Last day of service, inclusive.
    pub end_date: NaiveDate,
    /// The status as last stored.
    pub status: SubscriptionStatus,
    /// Bumped by every change; a change made against an older version is refused, so two
    /// concurrent plan changes cannot both apply.
    pub version: i64,
    /// A plan change waiting for its date (a downgrade at the period's end).
    pub scheduled_change: Option<crate::billing_ops::ScheduledChange>,
}

impl Subscription {
    /// The status as it is on `today`: an active subscription whose last day has passed
    /// is expired even before a billing run has stored that.
    pub fn status_on(&self, today: NaiveDate) -> SubscriptionStatus {
        match self.status {
            SubscriptionStatus::Active if today > self.end_date => SubscriptionStatus::Expired,
            other => other,
        }
    }

    /// Whether the plan may be changed on `today`.
    pub fn is_changeable_on(&self, today: NaiveDate) -> bool {
        self.status_on(today) == SubscriptionStatus::Active && today >= self.start_date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: SubscriptionStatus) -> Subscription {
        Subscription {
            id: SubscriptionId::parse("sub_1").unwrap(),
            customer_id: CustomerId::parse("cust_a").unwrap(),
            plan_id: PlanId::parse("pro").unwrap(),
            start_date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            status,
            version: 1,
            scheduled_change: None,
        }
    }

    #[test]
    fn active_turns_expired_after_its_last_day() {
        let s = sub(SubscriptionStatus::Active);
        let last = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        assert_eq!(s.status_on(last), SubscriptionStatus::Active);
        assert_eq!(
            s.status_on(last.succ_opt().unwrap()),
            SubscriptionStatus::Expired
        );
        assert!(s.is_changeable_on(last));
        assert!(!s.is_changeable_on(last.succ_opt().unwrap()));
    }

    #[test]
    fn cancelled_stays_cancelled_and_is_not_changeable() {
        let s = sub(SubscriptionStatus::Cancelled);
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!(s.status_on(day), SubscriptionStatus::Cancelled);
        assert!(!s.is_changeable_on(day));
        assert_eq!(
            SubscriptionStatus::parse("expired"),
            Some(SubscriptionStatus::Expired)
        );
        assert_eq!(SubscriptionStatus::parse("paused"), None);
    }
}
