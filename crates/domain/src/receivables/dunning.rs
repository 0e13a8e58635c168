//! When an invoice is overdue, when a reminder (催缴) is due, and when service is suspended
//! (contract §15), all read from the due date in the business calendar, never from
//! whether a job has run.

use chrono::NaiveDate;

/// Days before the due date that the first reminder comes.
pub const BEFORE_DUE_DAYS: i64 = 3;
/// Days between reminders once overdue.
pub const OVERDUE_EVERY_DAYS: i64 = 7;

/// A reminder of an unpaid invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Three days before the due date.
    DueSoon,
    /// The day after the due date (the first overdue reminder).
    Overdue,
    /// Every seven days after that, while unpaid.
    StillOverdue,
}

/// Whether an invoice that still owes something is overdue on `today`: from the day
/// after its due date.
pub fn is_overdue(due_date: NaiveDate, owes: bool, today: NaiveDate) -> bool {
    owes && today > due_date
}

/// The reminder due on `today` for an invoice still owing, if any.
pub fn reminder_on(due_date: NaiveDate, today: NaiveDate) -> Option<Reminder> {
    let days_after = (today - due_date).num_days();
    match days_after {
        d if d == -BEFORE_DUE_DAYS => Some(Reminder::DueSoon),
        1 => Some(Reminder::Overdue),
        d if d > 1 && (d - 1) % OVERDUE_EVERY_DAYS == 0 => Some(Reminder::StillOverdue),
        _ => None,
    }
}

/// The latest reminder due on or before `today` for an invoice still owing, with its day:
/// the one to send when no instance sent it (a reminder missed while none ran is sent
/// once, late; one superseded by a later one is not).
pub fn latest_reminder(due_date: NaiveDate, today: NaiveDate) -> Option<(NaiveDate, Reminder)> {
    let days_after = (today - due_date).num_days();
    if days_after < -BEFORE_DUE_DAYS {
        return None;
    }
    if days_after < 1 {
        return Some((due_date - chrono::Days::new(3), Reminder::DueSoon));
    }
    let weeks = (days_after - 1) / OVERDUE_EVERY_DAYS;
    let day = due_date + chrono::Days::new((1 + weeks * OVERDUE_EVERY_DAYS).unsigned_abs());
    let kind = if weeks == 0 {
        Reminder::Overdue
    } else {
        Reminder::StillOverdue
    };
    Some((day, kind))
}

/// Whether an invoice owing since `due_date` suspends service on `today`: when it is
/// `suspend_after_days` days overdue or more (0: never).
pub fn suspends(due_date: NaiveDate, today: NaiveDate, suspend_after_days: u32) -> bool {
    suspend_after_days > 0 && (today - due_date).num_days() >= i64::from(suspend_after_days)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_latest_reminder_is_the_one_a_daily_job_would_have_sent_last() {
        let due = d(12, 16);
        for day in 1..=31 {
            let today = d(12, day);
            let mut last = None;
            let mut t = d(11, 1);
            while t <= today {
                if let Some(r) = reminder_on(due, t) {
                    last = Some((t, r));
                }
                t = t.succ_opt().unwrap();
            }
            assert_eq!(latest_reminder(due, today), last, "on {today}");
        }
    }

    fn d(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    #[test]
    fn overdue_from_the_day_after_the_due_date_while_it_owes() {
        let due = d(12, 16);
        assert!(!is_overdue(due, true, d(12, 16)));
        assert!(is_overdue(due, true, d(12, 17)));
        assert!(!is_overdue(due, false, d(12, 30)));
    }

    #[test]
    fn reminders_three_days_before_the_day_after_and_weekly() {
        let due = d(12, 16);
        let reminders: Vec<(u32, Reminder)> = (1..=31)
            .filter_map(|day| reminder_on(due, d(12, day)).map(|r| (day, r)))
            .collect();
        assert_eq!(
            reminders,
            [
                (13, Reminder::DueSoon),
                (17, Reminder::Overdue),
                (24, Reminder::StillOverdue),
                (31, Reminder::StillOverdue),
            ]
        );
        assert_eq!(reminder_on(due, d(12, 16)), None);
    }

    #[test]
    fn service_is_suspended_after_the_set_days_overdue() {
        let due = d(12, 1);
        assert!(!suspends(due, d(12, 15), 15));
        assert!(suspends(due, d(12, 16), 15));
        assert!(!suspends(due, d(12, 31), 0), "0 never suspends");
    }
}
