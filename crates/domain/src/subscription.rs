//! A customer's subscription: its timeline of plans, its status rules.

use chrono::NaiveDate;

use crate::ids::{CustomerId, PlanId, SubscriptionId};
use crate::month::Month;
use crate::timeline::Segment;

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
    /// The timeline: which plan serves each day from the first to the last, oldest first,
    /// never empty (see [`crate::timeline`]).
    pub segments: Vec<Segment>,
    /// The status as last stored.
    pub status: SubscriptionStatus,
    /// Bumped by every change and every charge; a change made against an older version is
    /// refused, so two concurrent changes or charges cannot both apply.
    pub version: i64,
}

impl Subscription {
    /// A subscription served by one plan from `start` to `end`.
    pub fn on_plan(
        id: SubscriptionId,
        customer_id: CustomerId,
        plan_id: PlanId,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Self {
        Self {
            id,
            customer_id,
            segments: vec![Segment::new(plan_id, start, end)],
            status: SubscriptionStatus::Active,
            version: 1,
        }
    }

    /// First day of service.
    pub fn start_date(&self) -> NaiveDate {
        self.segments
            .first()
            .map(|s| s.from)
            .unwrap_or(NaiveDate::MIN)
    }

    /// Last day of service, inclusive.
    pub fn end_date(&self) -> NaiveDate {
        self.segments.last().map(|s| s.to).unwrap_or(NaiveDate::MIN)
    }

    /// The plan serving `day`; on a day not served, the plan served last before it (the
    /// first plan before the first day).
    pub fn plan_on(&self, day: NaiveDate) -> Option<&PlanId> {
        self.segments
            .iter()
            .find(|s| s.contains(day))
            .or_else(|| self.segments.iter().rev().find(|s| s.to < day))
            .or_else(|| self.segments.first())
            .map(|s| &s.plan_id)
    }

    /// The next plan change after `today`, if one is scheduled.
    pub fn scheduled_change(&self, today: NaiveDate) -> Option<ScheduledChange> {
        self.segments
            .iter()
            .find(|s| s.from > today)
            .map(|s| ScheduledChange {
                plan_id: s.plan_id.clone(),
                effective_date: s.from,
            })
    }

    /// The status as it is on `today`: an active subscription whose last day has passed
    /// is expired even before a billing run has stored that.
    pub fn status_on(&self, today: NaiveDate) -> SubscriptionStatus {
        match self.status {
            SubscriptionStatus::Active if today > self.end_date() => SubscriptionStatus::Expired,
            other => other,
        }
    }

    /// Whether the plan may be changed on `today`: active, and serving today.
    pub fn is_changeable_on(&self, today: NaiveDate) -> bool {
        self.status_on(today) == SubscriptionStatus::Active
            && self.segments.iter().any(|s| s.contains(today))
    }

    /// Whether the subscription is charged for `period`: it serves a day of it and was
    /// not cancelled.
    pub fn serves(&self, period: Month) -> bool {
        self.status != SubscriptionStatus::Cancelled
            && self.start_date() <= period.last_day()
            && self.end_date() >= period.first_day()
    }
}

/// A plan change that takes effect on a later date (a downgrade at the period's end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledChange {
    pub plan_id: PlanId,
    /// The first day on the new plan.
    pub effective_date: NaiveDate,
}

impl ScheduledChange {
    /// A downgrade takes effect when the current period ends: on the first day of the
    /// next month. No refund is due for the rest of the current period.
    pub fn downgrade(plan_id: PlanId, today: NaiveDate) -> Self {
        Self {
            plan_id,
            effective_date: Month::of(today).next().first_day(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: SubscriptionStatus) -> Subscription {
        Subscription {
            status,
            ..Subscription::on_plan(
                SubscriptionId::parse("sub_1").unwrap(),
                CustomerId::parse("cust_a").unwrap(),
                PlanId::parse("pro").unwrap(),
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            )
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

#[cfg(test)]
mod timeline_tests {
    use super::*;

    #[test]
    fn the_plan_of_a_day_and_the_scheduled_change_follow_the_segments() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let p = |id| PlanId::parse(id).unwrap();
        let mut s = Subscription::on_plan(
            SubscriptionId::parse("sub_1").unwrap(),
            CustomerId::parse("cust_a").unwrap(),
            p("pro"),
            d(1, 1),
            d(12, 31),
        );
        s.segments = vec![
            Segment::new(p("pro"), d(1, 1), d(11, 30)),
            Segment::new(p("basic"), d(12, 1), d(12, 31)),
        ];
        assert_eq!(s.plan_on(d(11, 30)), Some(&p("pro")));
        // The downgrade takes effect on its date by itself: no run is needed.
        assert_eq!(s.plan_on(d(12, 1)), Some(&p("basic")));
        assert_eq!(
            s.scheduled_change(d(11, 26))
                .map(|c| (c.plan_id, c.effective_date)),
            Some((p("basic"), d(12, 1)))
        );
        assert_eq!(s.scheduled_change(d(12, 1)), None);
    }
}
