//! Promises of the ledger's groups ([`crate::LedgerPage`]): a group read ahead answers
//! every read as a unit of work of its own does, stores what its units wrote (invoice
//! numbers without gaps) and nothing of units dropped with it.

use crate::ports::{LedgerTxn, USAGE_WATERMARK_MARGIN};

use super::*;

/// Everything a billing run of `period` may read, in words.
async fn reads(txn: &mut dyn LedgerTxn, period: Month) -> Result<String, String> {
    let prev = period.prev();
    let watermark = txn.usage_watermark().await.map_err(err)?;
    let since = watermark.map(|at| at - USAGE_WATERMARK_MARGIN);
    let two_months = DateRange::new(prev.prev().first_day(), prev.last_day()).map_err(err)?;
    Ok(format!(
        "subscription {:?}\nplans {:?}\nlines {:?}\nolder lines {:?}\nperiods {:?}\n\
         usage {:?}\nlonger usage {:?}\nwatermark {watermark:?}\nchanged {:?}\nall changes {:?}",
        txn.subscription().await.map_err(err)?,
        txn.plans().await.map_err(err)?,
        txn.invoiced_lines(prev).await.map_err(err)?,
        txn.invoiced_lines(prev.prev()).await.map_err(err)?,
        txn.period_invoices().await.map_err(err)?,
        txn.usage(DateRange::month(prev)).await.map_err(err)?,
        txn.usage(two_months).await.map_err(err)?,
        txn.usage_changed_since(since).await.map_err(err)?,
        txn.usage_changed_since(None).await.map_err(err)?,
    ))
}

/// The sequence of an invoice number (`INVyyyymmNNN`).
fn sequence(id: &portal_domain::InvoiceId) -> Result<u32, String> {
    id.as_str()
        .get(9..)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("invoice number {id}"))
}

pub async fn ledger_groups_read_ahead_like_units(p: Adapters) -> Outcome {
    plan(&p, "pro", 10_000).await?;
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let lone = customer(&p, "cust_c").await?;
    for c in [&a, &b, &lone] {
        subscribe(&p, c, "pro", d(1, 1), d(12, 31)).await?;
    }
    let (jan, feb, mar) = (Month::of(d(1, 1)), Month::of(d(2, 1)), Month::of(d(3, 1)));
    let usage = [
        usage_event("a-jan", &a, 4, d(1, 20)),
        usage_event("a-feb", &a, 5, d(2, 10)),
        usage_event("b-feb-early", &b, 2, d(2, 4)),
    ];
    p.usage.ingest(&usage, at(1, 0)).await.map_err(err)?;
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    txn.set_usage_watermark(at(2, 0)).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    let late = [
        usage_event("a-feb-late", &a, 3, d(2, 11)),
        usage_event("b-feb", &b, 8, d(2, 3)),
    ];
    p.usage.ingest(&late, at(3, 0)).await.map_err(err)?;
    let mut first = invoice(
        &a,
        at(1, 0),
        vec![fee("pro", jan, 100)?, fee("pro", feb, 200)?],
    );
    (first.kind, first.period) = (InvoiceKind::Subscription, feb);
    let before = issue(&p, &first).await?;
    issue(&p, &invoice(&b, at(1, 1), vec![fee("pro", feb, 50)?])).await?;

    // Each customer's reads, in a unit of its own and in a group read ahead.
    let mut alone = Vec::new();
    for c in [&a, &b, &lone] {
        let mut txn = p.ledger.begin(c).await.map_err(err)?;
        alone.push(reads(txn.as_mut(), mar).await?);
    }
    {
        let mut page = p.ledger.begin_page().await.map_err(err)?;
        page.read_ahead(&[a.clone(), b.clone()], mar)
            .await
            .map_err(err)?;
        // `lone` was not read ahead: its unit reads all the same.
        for (c, expected) in [&a, &b, &lone].into_iter().zip(&alone) {
            let mut unit = page.unit(c).await.map_err(err)?;
            let got = reads(unit.as_mut(), mar).await?;
            ensure!(
                &got == expected,
                "{c} read in a group:\n{got}\nbut alone:\n{expected}"
            );
        }
    }

    // The group stores what its units wrote, the invoices numbered on from the last, in
    // order.
    let mut page = p.ledger.begin_page().await.map_err(err)?;
    page.read_ahead(&[a.clone(), b.clone()], mar)
        .await
        .map_err(err)?;
    let mut numbers = Vec::new();
    let saved = {
        let mut unit = page.unit(&a).await.map_err(err)?;
        let current = unit
            .subscription()
            .await
            .map_err(err)?
            .ok_or("no subscription")?;
        let stale = Subscription {
            version: current.version - 1,
            ..current.clone()
        };
        ensure!(
            matches!(unit.save(&stale).await, Err(RepositoryError::Conflict)),
            "a stale save in a group was taken"
        );
        let saved = unit.save(&current).await.map_err(err)?;
        let mut new = invoice(&a, at(4, 0), vec![fee("pro", mar, 300)?]);
        (new.kind, new.period) = (InvoiceKind::Subscription, mar);
        numbers.push(unit.issue(&new).await.map_err(err)?.id);
        unit.set_usage_watermark(at(4, 0)).await.map_err(err)?;
        unit.commit().await.map_err(err)?;
        saved
    };
    for c in [&b, &lone] {
        let mut unit = page.unit(c).await.map_err(err)?;
        numbers.push(
            unit.issue(&invoice(c, at(4, 1), vec![fee("pro", mar, 10)?]))
                .await
                .map_err(err)?
                .id,
        );
        unit.commit().await.map_err(err)?;
    }
    page.commit().await.map_err(err)?;
    let after = issue(&p, &invoice(&b, at(5, 0), vec![fee("pro", mar, 1)?])).await?;
    numbers.push(after.id);
    let seqs = numbers
        .iter()
        .map(sequence)
        .collect::<Result<Vec<_>, _>>()?;
    let from = sequence(&before.id)? + 2;
    ensure!(
        seqs == (from..from + 4).collect::<Vec<_>>(),
        "numbers {seqs:?} after {}",
        before.id
    );
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let stored = txn.subscription().await.map_err(err)?.map(|s| s.version);
    ensure!(stored == Some(saved.version), "a's version {stored:?}");
    let mark = txn.usage_watermark().await.map_err(err)?;
    ensure!(mark == Some(at(4, 0)), "a's watermark {mark:?}");
    let periods = txn.period_invoices().await.map_err(err)?;
    ensure!(periods.contains(&mar), "a's periods {periods:?}");
    drop(txn);

    // A unit dropped with its group stores nothing, and takes no number.
    {
        let mut page = p.ledger.begin_page().await.map_err(err)?;
        page.read_ahead(std::slice::from_ref(&b), mar)
            .await
            .map_err(err)?;
        let mut unit = page.unit(&b).await.map_err(err)?;
        let current = unit
            .subscription()
            .await
            .map_err(err)?
            .ok_or("no subscription")?;
        unit.save(&current).await.map_err(err)?;
        unit.issue(&invoice(&b, at(6, 0), vec![fee("pro", mar, 7)?]))
            .await
            .map_err(err)?;
        unit.set_usage_watermark(at(6, 0)).await.map_err(err)?;
    }
    let mut txn = p.ledger.begin(&b).await.map_err(err)?;
    ensure!(
        txn.usage_watermark().await.map_err(err)?.is_none(),
        "a dropped group set a watermark"
    );
    drop(txn);
    let next = issue(&p, &invoice(&b, at(7, 0), vec![fee("pro", mar, 1)?])).await?;
    ensure!(
        sequence(&next.id)? == from + 4,
        "after a dropped group: {}",
        next.id
    );
    Ok(())
}
