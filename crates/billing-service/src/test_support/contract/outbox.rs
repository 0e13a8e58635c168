//! The outbox's promises: messages are written with the change that causes them and
//! only then; a claim leases them to one claimer; a failed try is due again at its time,
//! with the same id; delivered and given-up messages are never due again.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use portal_domain::CustomerId;

use super::{Outcome, at, customer, err};
use crate::Adapters;
use crate::ports::outbox::{Delivery, EventType, OutboxMessage, WebhookEvent};

const LEASE: Duration = Duration::from_secs(60);

pub(super) fn message(customer: &CustomerId, id: &str, created: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage {
        id: id.to_owned(),
        customer_id: customer.clone(),
        created_at: created,
        delivery: Delivery::Webhook(WebhookEvent {
            event_type: EventType::InvoiceIssued,
            data: serde_json::json!({"invoice_id": id, "amounts": ["1.00", "中文"]}),
        }),
    }
}

async fn due_ids(p: &Adapters, now: DateTime<Utc>) -> Result<BTreeSet<String>, String> {
    Ok(p.outbox
        .claim_due(now, LEASE, 100)
        .await
        .map_err(err)?
        .into_iter()
        .map(|d| d.message.id)
        .collect())
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn outbox_is_written_with_its_change_only(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let month = portal_domain::Month::of(super::d(3, 1));
    {
        let mut txn = p.ledger.begin(&a).await.map_err(err)?;
        txn.enqueue(&message(&a, "evt_dropped", at(2, 0)))
            .await
            .map_err(err)?;
    }
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let kept = message(&a, "evt_kept", at(2, 0));
    txn.enqueue(&kept).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    let key = "quota_percent:ai_chat:80";
    ensure!(
        p.guard
            .fire(&a, month, key, None, &[message(&a, "evt_fired", at(2, 0))])
            .await
            .map_err(err)?,
        "first firing"
    );
    ensure!(
        !p.guard
            .fire(&a, month, key, None, &[message(&a, "evt_again", at(2, 0))])
            .await
            .map_err(err)?,
        "second firing"
    );
    let due = p
        .outbox
        .claim_due(at(2, 0), LEASE, 100)
        .await
        .map_err(err)?;
    let ids: BTreeSet<String> = due.iter().map(|d| d.message.id.clone()).collect();
    ensure!(ids == set(&["evt_fired", "evt_kept"]), "due: {ids:?}");
    let stored = due
        .iter()
        .find(|d| d.message.id == "evt_kept")
        .ok_or("evt_kept")?;
    ensure!(
        stored.message == kept && stored.attempts == 0,
        "read back as written: {stored:?}"
    );
    Ok(())
}

/// Eight claims of two messages each, started together.
async fn eight_claims_at_once(
    p: &Adapters,
    now: DateTime<Utc>,
) -> Result<Vec<Vec<String>>, String> {
    let claim = || async {
        p.outbox
            .claim_due(now, LEASE, 2)
            .await
            .map(|due| due.into_iter().map(|d| d.message.id).collect::<Vec<_>>())
    };
    let (a, b, c, d) = tokio::join!(claim(), claim(), claim(), claim());
    let (e, f, g, h) = tokio::join!(claim(), claim(), claim(), claim());
    [a, b, c, d, e, f, g, h]
        .into_iter()
        .map(|r| r.map_err(err))
        .collect()
}

pub async fn outbox_claims_lease_and_retries_come_back(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let now = at(2, 0);
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    for id in ["evt_1", "evt_2", "evt_3", "evt_4"] {
        txn.enqueue(&message(&a, id, now)).await.map_err(err)?;
    }
    txn.commit().await.map_err(err)?;
    ensure!(
        due_ids(&p, now - chrono::Duration::seconds(1))
            .await?
            .is_empty(),
        "due before it was written"
    );
    // Instances claim at once: each message goes to one of them.
    let mut more = p.ledger.begin(&a).await.map_err(err)?;
    for i in 0..12 {
        more.enqueue(&message(&a, &format!("evt_x{i:02}"), now))
            .await
            .map_err(err)?;
    }
    more.commit().await.map_err(err)?;
    let claims = eight_claims_at_once(&p, now).await?;
    let mut all = BTreeSet::new();
    for claim in &claims {
        for id in claim {
            ensure!(all.insert(id.clone()), "{id} claimed twice: {claims:?}");
        }
    }
    ensure!(all.len() == 16, "claimed {all:?}");
    for i in 0..12 {
        p.outbox
            .delivered(&format!("evt_x{i:02}"), now)
            .await
            .map_err(err)?;
    }
    ensure!(due_ids(&p, now).await?.is_empty(), "leased, yet due again");
    let one_second = now + chrono::Duration::seconds(1);
    p.outbox
        .failed("evt_1", 1, Some(one_second), "HTTP 500")
        .await
        .map_err(err)?;
    p.outbox
        .failed("evt_2", 7, None, "gone")
        .await
        .map_err(err)?;
    p.outbox.delivered("evt_3", now).await.map_err(err)?;
    let retry = p
        .outbox
        .claim_due(one_second, LEASE, 100)
        .await
        .map_err(err)?;
    ensure!(
        retry.len() == 1 && retry[0].message.id == "evt_1" && retry[0].attempts == 1,
        "after 1 s: {retry:?}"
    );
    // After the lease: only what was neither delivered nor given up.
    let later = now + chrono::Duration::minutes(5);
    ensure!(
        due_ids(&p, later).await? == set(&["evt_1", "evt_4"]),
        "after the leases"
    );
    Ok(())
}
