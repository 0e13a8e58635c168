//! A subscription's timeline: the plan that serves each of its days.
//!
//! A timeline is a sequence of plan segments over consecutive days, oldest first, with no
//! gaps or overlaps; two neighbours never share a plan (they are merged). Every change is
//! a new timeline computed here from the old one:
//!
//! - an upgrade on day `d` ends the segment serving `d` on `d - 1` and serves the new plan
//!   from `d` to the subscription's last day, dropping any later segment (a paid upgrade
//!   removes a scheduled downgrade);
//! - a scheduled downgrade is a segment that starts on its date (the first day of the next
//!   period) and runs to the last day: it takes effect by itself on that day;
//! - calling a scheduled change off extends the segment serving today to the last day.

use chrono::{Days, NaiveDate};

use crate::ids::PlanId;
use crate::month::Month;

/// A plan over a range of days, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    pub plan_id: PlanId,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Segment {
    pub fn new(plan_id: PlanId, from: NaiveDate, to: NaiveDate) -> Self {
        Self { plan_id, from, to }
    }

    /// The part of this segment inside `period`, if any.
    pub fn within(&self, period: Month) -> Option<Segment> {
        let from = self.from.max(period.first_day());
        let to = self.to.min(period.last_day());
        (from <= to).then(|| Segment::new(self.plan_id.clone(), from, to))
    }

    /// Days served, counting both ends.
    pub fn days(&self) -> u32 {
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// Why a timeline change is not possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("the subscription does not serve {0}")]
    NotServed(NaiveDate),
    #[error("the subscription ends before {0}")]
    EndsBefore(NaiveDate),
}

/// Drops empty segments and merges neighbours on the same plan.
pub fn normalized(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for s in segments.into_iter().filter(|s| s.from <= s.to) {
        match out.last_mut() {
            Some(last) if last.plan_id == s.plan_id && last.to.succ_opt() == Some(s.from) => {
                last.to = s.to;
            }
            _ => out.push(s),
        }
    }
    out
}

fn day_before(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(1)).unwrap_or(day)
}

/// The segments up to the day before `day`, the one serving `day` cut there.
fn before(segments: &[Segment], day: NaiveDate) -> Vec<Segment> {
    segments
        .iter()
        .filter(|s| s.from < day)
        .map(|s| Segment::new(s.plan_id.clone(), s.from, s.to.min(day_before(day))))
        .collect()
}

fn last_day(segments: &[Segment]) -> Option<NaiveDate> {
    segments.last().map(|s| s.to)
}

/// Serves `plan` on every served day from `day` on (`day` itself must be served); what
/// served those days before is dropped. Days not served stay unserved.
pub fn switch_from(
    segments: &[Segment],
    plan: &PlanId,
    day: NaiveDate,
) -> Result<Vec<Segment>, TimelineError> {
    let end = last_day(segments).ok_or(TimelineError::NotServed(day))?;
    if day > end {
        return Err(TimelineError::EndsBefore(day));
    }
    if !segments.iter().any(|s| s.contains(day)) {
        return Err(TimelineError::NotServed(day));
    }
    let mut out = before(segments, day);
    out.extend(
        segments
            .iter()
            .filter(|s| s.to >= day)
            .map(|s| Segment::new(plan.clone(), s.from.max(day), s.to)),
    );
    Ok(normalized(out))
}

/// Calls off every change after `today`: the plan serving `today` serves every later
/// served day.
pub fn without_changes_after(segments: &[Segment], today: NaiveDate) -> Vec<Segment> {
    let Some(current) = segments.iter().find(|s| s.contains(today)) else {
        return segments.to_vec();
    };
    switch_from(segments, &current.plan_id, today).unwrap_or_else(|_| segments.to_vec())
}

/// The segments serving days of `period`, cut to it.
pub fn in_period(segments: &[Segment], period: Month) -> Vec<Segment> {
    segments.iter().filter_map(|s| s.within(period)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }
    fn p(id: &str) -> PlanId {
        PlanId::parse(id).unwrap()
    }
    fn seg(id: &str, from: NaiveDate, to: NaiveDate) -> Segment {
        Segment::new(p(id), from, to)
    }

    #[test]
    fn an_upgrade_cuts_the_day_before_and_drops_a_scheduled_downgrade() {
        let t = vec![
            seg("pro", d(1, 1), d(11, 30)),
            seg("basic", d(12, 1), d(12, 31)),
        ];
        let up = switch_from(&t, &p("enterprise"), d(11, 26)).unwrap();
        assert_eq!(
            up,
            vec![
                seg("pro", d(1, 1), d(11, 25)),
                seg("enterprise", d(11, 26), d(12, 31))
            ]
        );
    }

    #[test]
    fn an_upgrade_on_the_first_day_replaces_the_segment() {
        let t = vec![seg("basic", d(3, 1), d(3, 31))];
        assert_eq!(
            switch_from(&t, &p("pro"), d(3, 1)).unwrap(),
            vec![seg("pro", d(3, 1), d(3, 31))]
        );
        assert_eq!(
            switch_from(&t, &p("pro"), d(4, 1)),
            Err(TimelineError::EndsBefore(d(4, 1)))
        );
    }

    #[test]
    fn calling_off_a_downgrade_restores_the_current_plan_to_the_end() {
        let t = vec![
            seg("pro", d(1, 1), d(11, 30)),
            seg("basic", d(12, 1), d(12, 31)),
        ];
        assert_eq!(
            without_changes_after(&t, d(11, 26)),
            vec![seg("pro", d(1, 1), d(12, 31))]
        );
        // On the downgrade's own days there is nothing after today to call off.
        assert_eq!(without_changes_after(&t, d(12, 2)), t);
    }

    #[test]
    fn days_not_served_stay_unserved() {
        // Served in March, and again from May (a renewal after a gap).
        let t = vec![seg("pro", d(3, 1), d(3, 31)), seg("pro", d(5, 1), d(5, 31))];
        assert_eq!(
            switch_from(&t, &p("enterprise"), d(3, 20)).unwrap(),
            vec![
                seg("pro", d(3, 1), d(3, 19)),
                seg("enterprise", d(3, 20), d(3, 31)),
                seg("enterprise", d(5, 1), d(5, 31))
            ]
        );
        assert_eq!(
            switch_from(&t, &p("basic"), d(4, 1)),
            Err(TimelineError::NotServed(d(4, 1)))
        );
    }

    #[test]
    fn neighbours_on_one_plan_merge_and_periods_cut_segments() {
        let t = normalized(vec![
            seg("pro", d(1, 1), d(1, 10)),
            seg("pro", d(1, 11), d(2, 20)),
        ]);
        assert_eq!(t, vec![seg("pro", d(1, 1), d(2, 20))]);
        let feb = Month::parse("2026-02").unwrap();
        assert_eq!(in_period(&t, feb), vec![seg("pro", d(2, 1), d(2, 20))]);
        assert_eq!(in_period(&t, feb)[0].days(), 20);
    }
}
