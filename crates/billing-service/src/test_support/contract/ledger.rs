//! Promises of the ledger's units of work.

use super::*;

pub async fn ledger_creates_a_subscription_once(p: Adapters) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    let saved = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    ensure!(saved.version == 1, "version {}", saved.version);
    let again = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await;
    ensure!(
        matches!(&again, Err(why) if *why == RepositoryError::Conflict.to_string()),
        "a second subscription at version 0 was created"
    );
    let current = current_subscription(&p, &id).await?;
    ensure!(current == saved, "current {current:?} saved {saved:?}");
    Ok(())
}

pub async fn ledger_stale_save_conflicts(p: Adapters) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    plan(&p, "max", 199_900).await?;
    subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    // Two units of work read the same version; the first commits.
    let mut first = p.ledger.begin(&id).await.map_err(err)?;
    let read = first.subscription().await.map_err(err)?.ok_or("missing")?;
    let mut changed = read.clone();
    changed.segments[0].plan_id = pid("max")?;
    first.save(&changed).await.map_err(err)?;
    first.commit().await.map_err(err)?;
    let mut second = p.ledger.begin(&id).await.map_err(err)?;
    // (Dropped at once when refused: SQLite's one connection is held by an open unit.)
    let outcome = match second.save(&read).await {
        Err(RepositoryError::Conflict) => {
            drop(second);
            Ok(())
        }
        Ok(_) => match second.commit().await {
            Err(RepositoryError::Conflict) => Ok(()),
            other => Err(format!("the stale save went through: {other:?}")),
        },
        Err(e) => {
            drop(second);
            Err(format!("expected a conflict, got {e}"))
        }
    };
    outcome?;
    let current = current_subscription(&p, &id).await?;
    ensure!(
        current.segments[0].plan_id.as_str() == "max",
        "now {current:?}"
    );
    Ok(())
}

pub async fn ledger_dropped_unit_writes_nothing(p: Adapters) -> Outcome {
    let id = customer(&p, "cust_a").await?;
    plan(&p, "pro", 99_900).await?;
    let before = subscribe(&p, &id, "pro", d(1, 1), d(12, 31)).await?;
    {
        let mut txn = p.ledger.begin(&id).await.map_err(err)?;
        let mut s = txn.subscription().await.map_err(err)?.ok_or("missing")?;
        s.segments[0].to = d(6, 30);
        txn.save(&s).await.map_err(err)?;
        txn.issue(&invoice(
            &id,
            at(5, 0),
            vec![fee("pro", Month::of(d(3, 1)), 99_900)?],
        ))
        .await
        .map_err(err)?;
        txn.record(&audit(&id, AuditAction::PlanUpgraded, at(5, 0))?)
            .await
            .map_err(err)?;
    }
    let after = p.subscriptions.current(&id).await.map_err(err)?;
    ensure!(
        after.as_ref() == Some(&before),
        "the subscription changed: {after:?}"
    );
    ensure!(
        invoices_of(&p, &id).await?.is_empty(),
        "an invoice was stored"
    );
    ensure!(
        audit_of(&p, &id).await?.is_empty(),
        "an audit entry was stored"
    );
    // The number of the dropped invoice is handed out again.
    let issued = issue(
        &p,
        &invoice(&id, at(6, 0), vec![fee("pro", Month::of(d(3, 1)), 99_900)?]),
    )
    .await?;
    numbered(&issued, "INV202603001")
}

pub async fn ledger_numbers_invoices_without_gaps(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let march = Month::of(d(3, 1));
    let mut ids = Vec::new();
    for (who, when) in [(&a, at(2, 0)), (&b, at(3, 0)), (&a, at(4, 0))] {
        ids.push(
            issue(&p, &invoice(who, when, vec![fee("pro", march, 99_900)?]))
                .await?
                .id
                .to_string(),
        );
    }
    let april = Utc
        .with_ymd_and_hms(2026, 4, 1, 1, 0, 0)
        .single()
        .ok_or("date")?;
    ids.push(
        issue(&p, &invoice(&a, april, vec![fee("pro", march, 99_900)?]))
            .await?
            .id
            .to_string(),
    );
    ensure!(
        ids == [
            "INV202603001",
            "INV202603002",
            "INV202603003",
            "INV202604001"
        ],
        "numbered {ids:?}"
    );
    let stored = p
        .invoices
        .find(
            &a,
            &portal_domain::InvoiceId::parse("INV202603003").map_err(err)?,
        )
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(stored.amount == cny(99_900), "amount {}", stored.amount);
    ensure!(
        stored.lines == vec![fee("pro", march, 99_900)?],
        "lines {:?}",
        stored.lines
    );
    Ok(())
}

pub async fn ledger_refuses_a_second_period_invoice(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let march = Month::of(d(3, 1));
    let first = NewInvoice {
        kind: InvoiceKind::Subscription,
        ..invoice(&a, at(2, 0), vec![fee("pro", march, 99_900)?])
    };
    issue(&p, &first).await?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let second = txn.issue(&first).await;
    ensure!(
        matches!(second, Err(RepositoryError::Conflict)),
        "a second one: {second:?}"
    );
    drop(txn);
    let adjustment = issue(&p, &invoice(&a, at(3, 0), vec![fee("pro", march, 1)?])).await?;
    numbered(&adjustment, "INV202603002")
}

pub async fn ledger_reads_invoiced_lines_by_period(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let (feb, mar, apr) = (Month::of(d(2, 1)), Month::of(d(3, 1)), Month::of(d(4, 1)));
    issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", feb, 1)?, fee("pro", mar, 2)?]),
    )
    .await?;
    issue(
        &p,
        &invoice(
            &a,
            at(2, 0),
            vec![fee("pro", apr, 3)?, fee("pro", mar, 4)?.reversed()],
        ),
    )
    .await?;
    issue(&p, &invoice(&b, at(2, 0), vec![fee("pro", mar, 5)?])).await?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let lines = txn.invoiced_lines(mar).await.map_err(err)?;
    let periods: Vec<Month> = lines.keys().copied().collect();
    ensure!(periods == [mar, apr], "periods {periods:?}");
    let march: Vec<i64> = lines[&mar]
        .iter()
        .map(|l| l.amount.to_minor().unwrap_or(0))
        .collect();
    ensure!(march == [2, -4], "March lines {march:?}");
    ensure!(
        lines[&mar][1].detail.as_ref().map(|d| d.kind) == Some(LineKind::Reversal),
        "kind lost"
    );
    Ok(())
}

pub async fn ledger_lists_billable_customers(p: Adapters) -> Outcome {
    plan(&p, "pro", 99_900).await?;
    for (id, from, to) in [
        ("cust_a", d(1, 1), d(3, 1)),
        ("cust_b", d(3, 31), d(5, 1)),
        ("cust_c", d(4, 1), d(5, 1)),
        ("cust_d", d(1, 1), d(2, 28)),
        ("cust_e", d(1, 1), d(1, 31)),
    ] {
        let c = customer(&p, id).await?;
        subscribe(&p, &c, "pro", from, to).await?;
    }
    let march = Month::of(d(3, 1));
    let ids = |page: Vec<portal_domain::CustomerId>| -> Vec<String> {
        page.iter().map(ToString::to_string).collect()
    };
    let billed = ids(p.ledger.billable_page(march, None, 10).await.map_err(err)?);
    // cust_d's February usage is billed on March's invoice; cust_e ended in January.
    ensure!(
        billed == ["cust_a", "cust_b", "cust_d"],
        "billable {billed:?}"
    );
    let count = p.ledger.count_billable(march).await.map_err(err)?;
    ensure!(count == 3, "counted {count} billable customers");
    // Pages by key: two, then what comes after the first page's last id.
    let first = p.ledger.billable_page(march, None, 2).await.map_err(err)?;
    let after = first.last().cloned();
    let second = ids(p
        .ledger
        .billable_page(march, after.as_ref(), 2)
        .await
        .map_err(err)?);
    ensure!(
        ids(first) == ["cust_a", "cust_b"] && second == ["cust_d"],
        "pages {second:?}"
    );
    Ok(())
}

fn numbered(invoice: &portal_domain::Invoice, expected: &str) -> Outcome {
    ensure!(
        invoice.id.as_str() == expected,
        "numbered {}, expected {expected}",
        invoice.id
    );
    Ok(())
}
