//! Promises about idempotency keys and usage.

use super::*;

pub async fn idempotency_claim_is_held_once_per_customer(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    let first = k.claim(&a, "k1", "fp1", at(1, 0)).await.map_err(err)?;
    ensure!(first == KeyClaim::Claimed, "first claim {first:?}");
    let busy = k.claim(&a, "k1", "fp1", at(1, 0)).await.map_err(err)?;
    ensure!(
        busy == KeyClaim::InProgress {
            fingerprint: "fp1".into()
        },
        "second claim {busy:?}"
    );
    let other = k
        .claim(&cid("cust_b")?, "k1", "fp9", at(1, 0))
        .await
        .map_err(err)?;
    ensure!(
        other == KeyClaim::Claimed,
        "keys are per customer: {other:?}"
    );
    Ok(())
}

pub async fn idempotency_key_answered_in_a_unit_of_work_replays(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let mut unit = p.ledger.begin(&a).await.map_err(err)?;
    let first = unit.claim_key("k1", "fp1", at(1, 0)).await.map_err(err)?;
    ensure!(first == KeyClaim::Claimed, "first claim {first:?}");
    unit.answer_key("k1", b"{\"ok\":true}").await.map_err(err)?;
    unit.commit().await.map_err(err)?;
    let done = KeyClaim::Completed {
        fingerprint: "fp1".into(),
        response: b"{\"ok\":true}".to_vec(),
    };
    let mut again = p.ledger.begin(&a).await.map_err(err)?;
    let replay = again.claim_key("k1", "fp2", at(1, 1)).await.map_err(err)?;
    drop(again);
    ensure!(
        replay == done,
        "a unit of work after the commit: {replay:?}"
    );
    let outside = p
        .idempotency
        .claim(&a, "k1", "fp1", at(1, 1))
        .await
        .map_err(err)?;
    ensure!(
        outside == done,
        "a claim outside a unit of work: {outside:?}"
    );
    Ok(())
}

pub async fn idempotency_key_of_a_dropped_unit_of_work_is_free(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let mut unit = p.ledger.begin(&a).await.map_err(err)?;
    unit.claim_key("open", "fp", at(1, 0)).await.map_err(err)?;
    unit.answer_key("open", b"r").await.map_err(err)?;
    drop(unit);
    let again = p
        .idempotency
        .claim(&a, "open", "fp", at(1, 0))
        .await
        .map_err(err)?;
    ensure!(
        again == KeyClaim::Claimed,
        "a key of a unit of work that did not commit is taken: {again:?}"
    );
    Ok(())
}

pub async fn idempotency_concurrent_units_store_one_answer(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let mut first = p.ledger.begin(&a).await.map_err(err)?;
    let claimed = first.claim_key("k", "fp", at(1, 0)).await.map_err(err)?;
    ensure!(claimed == KeyClaim::Claimed, "first claim {claimed:?}");
    // The second unit of work runs while the first is open: it waits for it (a database
    // lock), or claims too and must then lose at its commit.
    let ledger = p.ledger.clone();
    let customer = a.clone();
    let second = tokio::spawn(async move {
        let mut unit = ledger.begin(&customer).await.map_err(err)?;
        match unit.claim_key("k", "fp", at(1, 0)).await.map_err(err)? {
            KeyClaim::Claimed => {
                unit.answer_key("k", b"second").await.map_err(err)?;
                match unit.commit().await {
                    Err(RepositoryError::Conflict) => Ok(None),
                    other => Err(format!("the second claim committed: {other:?}")),
                }
            }
            KeyClaim::Completed { response, .. } => Ok(Some(response)),
            other => Err(format!("the second unit of work found {other:?}")),
        }
    });
    first.answer_key("k", b"first").await.map_err(err)?;
    first.commit().await.map_err(err)?;
    let seen = second.await.map_err(err)??;
    ensure!(
        seen.as_deref().is_none_or(|r| r == b"first"),
        "the second unit of work replayed {seen:?}"
    );
    let stored = p
        .idempotency
        .claim(&a, "k", "fp", at(1, 1))
        .await
        .map_err(err)?;
    ensure!(
        stored
            == KeyClaim::Completed {
                fingerprint: "fp".into(),
                response: b"first".to_vec()
            },
        "stored {stored:?}"
    );
    Ok(())
}

pub async fn idempotency_stale_claim_is_taken_over(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    k.claim(&a, "k", "fp", at(1, 0)).await.map_err(err)?;
    let soon = k
        .claim(&a, "k", "fp", at(1, 0) + crate::ports::STALE_CLAIM)
        .await
        .map_err(err)?;
    ensure!(
        matches!(soon, KeyClaim::InProgress { .. }),
        "taken over too early: {soon:?}"
    );
    let later = at(1, 0) + crate::ports::STALE_CLAIM + chrono::TimeDelta::seconds(1);
    let other = k.claim(&a, "k", "other", later).await.map_err(err)?;
    ensure!(
        matches!(other, KeyClaim::InProgress { .. }),
        "taken over by another body: {other:?}"
    );
    let taken = k.claim(&a, "k", "fp", later).await.map_err(err)?;
    ensure!(
        taken == KeyClaim::Claimed,
        "a stale claim was not taken over: {taken:?}"
    );
    Ok(())
}

pub async fn idempotency_purge_before_cutoff(p: Adapters) -> Outcome {
    let a = cid("cust_a")?;
    let k = &p.idempotency;
    k.claim(&a, "old", "fp", at(1, 0)).await.map_err(err)?;
    k.claim(&a, "new", "fp", at(3, 0)).await.map_err(err)?;
    let n = k.purge_claimed_before(at(2, 0)).await.map_err(err)?;
    ensure!(n == 1, "{n} purged");
    let old = k.claim(&a, "old", "fp", at(3, 0)).await.map_err(err)?;
    ensure!(old == KeyClaim::Claimed, "the old key survived: {old:?}");
    let new = k.claim(&a, "new", "fp", at(3, 0)).await.map_err(err)?;
    ensure!(
        matches!(new, KeyClaim::InProgress { .. }),
        "the new key was purged: {new:?}"
    );
    Ok(())
}

fn event(
    id: &str,
    customer: &CustomerId,
    product: Product,
    count: i64,
    day: NaiveDate,
) -> UsageEvent {
    UsageEvent {
        event_id: id.to_owned(),
        customer_id: customer.clone(),
        product,
        count,
        occurred_at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap_or_default()),
        date: day,
    }
}

pub async fn usage_events_count_once(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let day = d(3, 5);
    let batch = vec![
        event("e1", &a, Product::AiChat, 5, day),
        event("e2", &a, Product::AiChat, 7, day),
        event("s1", &a, Product::AgentSeats, 3, day),
        event("s2", &a, Product::AgentSeats, 2, day),
    ];
    let n = p.usage.ingest(&batch, at(5, 0)).await.map_err(err)?;
    ensure!(n == 4, "{n} counted");
    let replay = vec![
        event("e1", &a, Product::AiChat, 5, day),
        event("e3", &a, Product::AiChat, 1, day),
        event("s3", &a, Product::AgentSeats, 4, day),
    ];
    let n = p.usage.ingest(&replay, at(5, 1)).await.map_err(err)?;
    ensure!(n == 2, "{n} counted on replay");
    let range = DateRange::new(day, day).map_err(err)?;
    let got: Vec<(Product, i64)> = p
        .usage
        .daily(&a, range, None)
        .await
        .map_err(err)?
        .iter()
        .map(|r| (r.product, r.count))
        .collect();
    ensure!(
        got == [(Product::AgentSeats, 4), (Product::AiChat, 13)],
        "daily {got:?}"
    );
    Ok(())
}

pub async fn usage_daily_is_ordered_and_scoped(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let rec = |day: NaiveDate, product: Product, count: i64| UsageRecord {
        date: day,
        product,
        count,
    };
    let seeded = vec![
        rec(d(3, 2), Product::Email, 1),
        rec(d(3, 1), Product::AiChat, 2),
        rec(d(3, 1), Product::Email, 3),
    ];
    ensure!(
        p.usage.insert_if_absent(&a, &seeded).await.map_err(err)? == 3,
        "not all seeded"
    );
    p.usage
        .insert_if_absent(&b, &[rec(d(3, 1), Product::Email, 9)])
        .await
        .map_err(err)?;
    let again = p
        .usage
        .insert_if_absent(&a, &[rec(d(3, 1), Product::Email, 100)])
        .await
        .map_err(err)?;
    ensure!(again == 0, "seeding overwrote {again}");
    let range = DateRange::new(d(3, 1), d(3, 2)).map_err(err)?;
    let all: Vec<(NaiveDate, Product, i64)> = p
        .usage
        .daily(&a, range, None)
        .await
        .map_err(err)?
        .iter()
        .map(|r| (r.date, r.product, r.count))
        .collect();
    ensure!(
        all == [
            (d(3, 1), Product::AiChat, 2),
            (d(3, 1), Product::Email, 3),
            (d(3, 2), Product::Email, 1)
        ],
        "daily {all:?}"
    );
    let email = p
        .usage
        .daily(&a, range, Some(Product::Email))
        .await
        .map_err(err)?;
    ensure!(email.len() == 2, "filtered {email:?}");
    Ok(())
}
