//! The notifications as the bell keeps them (contract §11): which ones arrived since the
//! last look (those are announced to the embedding workbench), a notification marked read
//! in place, and the count on the bell.

use portal_api_types::{Notification, Notifications};

/// The notifications that arrived since the previous answer, whose ids are `known`:
/// unread ones not among them, oldest first. The first answer (`known` is `None`) is
/// what was there when the app opened: nothing in it is new.
pub fn arrivals<'a>(known: Option<&[String]>, list: &'a [Notification]) -> Vec<&'a Notification> {
    let Some(known) = known else {
        return Vec::new();
    };
    // The list is newest first; the workbench hears of them in the order they came.
    list.iter()
        .rev()
        .filter(|n| !n.read && !known.contains(&n.id))
        .collect()
}

/// The ids of an answer: what the next answer is compared with.
pub fn ids(list: &[Notification]) -> Vec<String> {
    list.iter().map(|n| n.id.clone()).collect()
}

/// Puts the API's answer to "mark as read" in place; the unread count drops by one when
/// the notification was unread here.
pub fn mark_read(state: &mut Notifications, updated: Notification) {
    if let Some(item) = state.notifications.iter_mut().find(|n| n.id == updated.id) {
        if !item.read && updated.read {
            state.unread = state.unread.saturating_sub(1);
        }
        *item = updated;
    }
}

/// Everything read (after 全部已读).
pub fn mark_all_read(state: &mut Notifications) {
    for item in &mut state.notifications {
        item.read = true;
    }
    state.unread = 0;
}

/// The bell's count: nothing when all is read, `99+` beyond 99.
pub fn count_text(unread: u64) -> Option<String> {
    match unread {
        0 => None,
        1..=99 => Some(unread.to_string()),
        _ => Some("99+".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(id: &str, read: bool) -> Notification {
        Notification {
            id: id.into(),
            at: "2025-12-19T10:00:00Z".into(),
            kind: "usage.threshold_crossed".into(),
            title: format!("title {id}"),
            body: "body".into(),
            read,
            link: "/usage".into(),
        }
    }

    fn known(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn nothing_is_new_on_the_first_look() {
        let list = [notice("n2", false), notice("n1", false)];
        assert!(arrivals(None, &list).is_empty());
        assert_eq!(ids(&list), known(&["n2", "n1"]));
    }

    #[test]
    fn new_unread_ones_arrive_oldest_first() {
        let list = [
            notice("n4", false),
            notice("n3", false),
            notice("n2", false),
            notice("n1", false),
        ];
        let new: Vec<&str> = arrivals(Some(&known(&["n2", "n1"])), &list)
            .iter()
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(new, ["n3", "n4"]);
    }

    #[test]
    fn known_or_already_read_ones_are_not_new() {
        let list = [notice("n3", true), notice("n2", false), notice("n1", false)];
        assert!(arrivals(Some(&known(&["n2", "n1"])), &list).is_empty());
        // An empty previous answer: everything unread in this one is new.
        let new = arrivals(Some(&[]), &list);
        assert_eq!(new.len(), 2);
        assert_eq!(new[0].id, "n1");
    }

    #[test]
    fn marking_read_drops_the_count_once() {
        let mut state = Notifications {
            unread: 2,
            notifications: vec![notice("n2", false), notice("n1", false)],
        };
        mark_read(&mut state, notice("n1", true));
        assert_eq!(state.unread, 1);
        assert!(state.notifications[1].read);
        // The same answer again (a second click) changes nothing.
        mark_read(&mut state, notice("n1", true));
        assert_eq!(state.unread, 1);
        // One the list does not hold changes nothing either.
        mark_read(&mut state, notice("n9", true));
        assert_eq!(state.unread, 1);
        mark_read(&mut state, notice("n2", true));
        assert_eq!(state.unread, 0);
        mark_read(&mut state, notice("n2", true));
        assert_eq!(state.unread, 0);
    }

    #[test]
    fn the_bell_counts_up_to_99() {
        assert_eq!(count_text(0), None);
        assert_eq!(count_text(1).as_deref(), Some("1"));
        assert_eq!(count_text(99).as_deref(), Some("99"));
        assert_eq!(count_text(100).as_deref(), Some("99+"));
    }
}
