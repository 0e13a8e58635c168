//! Promises of the ledger's reads for usage billing (contract §10): usage, the months
//! that changed, the watermark and the periods invoiced, all in the unit of work.

use super::*;

pub async fn ledger_reads_usage_changes_and_the_watermark(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let ingest = |events: Vec<UsageEvent>, when| {
        let usage = p.usage.clone();
        async move { usage.ingest(&events, when).await.map_err(err) }
    };
    ingest(vec![usage_event("a-feb", &a, 5, d(2, 10))], at(1, 0)).await?;
    ingest(vec![usage_event("a-mar", &a, 7, d(3, 2))], at(5, 0)).await?;
    ingest(vec![usage_event("b-jan", &b, 9, d(1, 20))], at(5, 0)).await?;

    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let march = txn
        .usage(DateRange::month(Month::of(d(3, 1))))
        .await
        .map_err(err)?;
    ensure!(
        march.len() == 1 && march[0].count == 7 && march[0].date == d(3, 2),
        "March usage {march:?}"
    );
    let all = txn.usage_changed_since(None).await.map_err(err)?;
    let (jan, feb, mar) = (Month::of(d(1, 1)), Month::of(d(2, 1)), Month::of(d(3, 1)));
    ensure!(
        all.get(&feb) == Some(&at(1, 0)) && all.get(&mar) == Some(&at(5, 0)),
        "every month of the customer's usage with its change: {all:?}"
    );
    ensure!(!all.contains_key(&jan), "another customer's month: {all:?}");
    let recent = txn.usage_changed_since(Some(at(3, 0))).await.map_err(err)?;
    ensure!(
        recent.get(&mar) == Some(&at(5, 0)),
        "March changed after the 3rd: {recent:?}"
    );
    ensure!(
        txn.usage_watermark().await.map_err(err)?.is_none(),
        "a watermark before any"
    );
    txn.set_usage_watermark(at(6, 0)).await.map_err(err)?;
    drop(txn);
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    ensure!(
        txn.usage_watermark().await.map_err(err)?.is_none(),
        "a dropped unit of work set the watermark"
    );
    txn.set_usage_watermark(at(6, 0)).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let mark = txn.usage_watermark().await.map_err(err)?;
    ensure!(mark == Some(at(6, 0)), "watermark {mark:?}");
    txn.set_usage_watermark(at(8, 0)).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    let mut txn = p.ledger.begin(&b).await.map_err(err)?;
    let other = txn.usage_watermark().await.map_err(err)?;
    ensure!(other.is_none(), "another customer's watermark {other:?}");
    drop(txn);
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let moved = txn.usage_watermark().await.map_err(err)?;
    ensure!(moved == Some(at(8, 0)), "watermark moved to {moved:?}");
    Ok(())
}

pub async fn ledger_names_the_periods_with_their_first_invoice(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let (feb, mar) = (Month::of(d(2, 1)), Month::of(d(3, 1)));
    let mut first = invoice(&a, at(1, 0), vec![fee("pro", feb, 100)?]);
    first.kind = InvoiceKind::Subscription;
    first.period = feb;
    issue(&p, &first).await?;
    let mut other = invoice(&b, at(1, 0), vec![fee("pro", mar, 100)?]);
    other.kind = InvoiceKind::Subscription;
    other.period = mar;
    issue(&p, &other).await?;
    // An adjustment of March is not its first invoice.
    let mut later = invoice(&a, at(3, 0), vec![fee("pro", mar, 100)?]);
    later.period = mar;
    issue(&p, &later).await?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let periods = txn.period_invoices().await.map_err(err)?;
    ensure!(
        periods.into_iter().collect::<Vec<_>>() == [feb],
        "periods with their first invoice"
    );
    Ok(())
}
