//! Promises of the spend guard's port: rules and caps replaced whole and scoped, a rule
//! fires once per month (concurrent firings: one wins), notifications newest first.

use std::collections::BTreeSet;

use portal_domain::guard::{AlertCondition, AlertRule, Cap, Channel, Notice};

use super::*;
use crate::ports::Notification;

fn quota_rule(product: Product, percent: i64) -> AlertRule {
    AlertRule {
        condition: AlertCondition::QuotaPercent { product, percent },
        channels: [Channel::InApp].into_iter().collect::<BTreeSet<_>>(),
    }
}

fn note(customer: &CustomerId, id: &str, hour: u32) -> Notification {
    Notification {
        id: id.to_owned(),
        customer_id: customer.clone(),
        at: at(10, hour),
        notice: Notice::Quota {
            product: Product::AiChat,
            percent: 80,
            used: 8_000,
            included: 10_000,
        },
        read: false,
    }
}

fn guard_audit(customer: &CustomerId, action: AuditAction) -> Result<AuditEntry, String> {
    audit(customer, action, at(1, 0))
}

pub async fn guard_rules_and_caps_are_replaced_whole_and_scoped(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let bill = AlertRule {
        condition: AlertCondition::ProjectedAmount {
            amount: cny(123_456),
        },
        channels: [Channel::InApp].into_iter().collect(),
    };
    let rules = vec![quota_rule(Product::Email, 90), bill];
    p.guard
        .set_alert_rules(&a, &rules, &guard_audit(&a, AuditAction::AlertsUpdated)?)
        .await
        .map_err(err)?;
    let read = p.guard.alert_rules(&a).await.map_err(err)?;
    ensure!(read == rules, "rules read back {read:?}");
    ensure!(
        p.guard.alert_rules(&b).await.map_err(err)?.is_empty(),
        "another customer's rules"
    );
    let by_customer = p
        .guard
        .rules_of(&[a.clone(), b.clone()])
        .await
        .map_err(err)?;
    ensure!(
        by_customer.keys().collect::<Vec<_>>() == [&a],
        "rules_of lists customers with rules only"
    );
    let fewer = vec![quota_rule(Product::AiChat, 100)];
    p.guard
        .set_alert_rules(&a, &fewer, &guard_audit(&a, AuditAction::AlertsUpdated)?)
        .await
        .map_err(err)?;
    ensure!(
        p.guard.alert_rules(&a).await.map_err(err)? == fewer,
        "the set was not replaced"
    );
    let caps = vec![Cap {
        product: Product::AiChat,
        stop_at_percent: 120,
    }];
    p.guard
        .set_caps(&a, &caps, &guard_audit(&a, AuditAction::CapsUpdated)?)
        .await
        .map_err(err)?;
    ensure!(
        p.guard.caps(&a).await.map_err(err)? == caps,
        "caps read back"
    );
    ensure!(
        p.guard.caps(&b).await.map_err(err)?.is_empty(),
        "caps scoped"
    );
    let audit = audit_of(&p, &a).await?;
    ensure!(audit.len() == 3, "each change audited: {}", audit.len());
    Ok(())
}

pub async fn guard_a_rule_fires_once_a_month(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let (mar, apr) = (Month::of(d(3, 1)), Month::of(d(4, 1)));
    let key = "quota_percent:ai_chat:80";
    // Two firings at once: exactly one wins.
    let (n1, n2) = (note(&a, "ntf_1", 1), note(&a, "ntf_2", 2));
    let (first, second) = tokio::join!(
        p.guard.fire(&a, mar, key, Some(&n1), &[]),
        p.guard.fire(&a, mar, key, Some(&n2), &[]),
    );
    let won = [first.map_err(err)?, second.map_err(err)?];
    ensure!(
        won.iter().filter(|w| **w).count() == 1,
        "firings that won: {won:?}"
    );
    ensure!(
        !p.guard
            .fire(&a, mar, key, Some(&note(&a, "ntf_3", 3)), &[])
            .await
            .map_err(err)?,
        "fired twice in March"
    );
    ensure!(
        p.guard
            .fire(&a, apr, key, Some(&note(&a, "ntf_4", 4)), &[])
            .await
            .map_err(err)?,
        "April is another month"
    );
    ensure!(
        p.guard.fire(&b, mar, key, None, &[]).await.map_err(err)?,
        "another customer's rule"
    );
    let (unread, list) = p.guard.notifications(&a, 10).await.map_err(err)?;
    let ids: Vec<&str> = list.iter().map(|n| n.id.as_str()).collect();
    ensure!(
        unread == 2 && ids.len() == 2,
        "unread {unread}, listed {ids:?}"
    );
    ensure!(ids[0] == "ntf_4", "newest first: {ids:?}");
    ensure!(list[1].notice == note(&a, "x", 0).notice, "crossing kept");
    // Marking read is scoped to the customer.
    ensure!(
        p.guard.mark_read(&b, "ntf_4").await.map_err(err)?.is_none(),
        "another customer marked it"
    );
    let read = p.guard.mark_read(&a, "ntf_4").await.map_err(err)?;
    ensure!(read.as_ref().is_some_and(|n| n.read), "marked {read:?}");
    let (unread, _) = p.guard.notifications(&a, 10).await.map_err(err)?;
    ensure!(unread == 1, "unread after marking {unread}");
    let (_, one) = p.guard.notifications(&a, 1).await.map_err(err)?;
    ensure!(one.len() == 1, "limit");
    Ok(())
}
