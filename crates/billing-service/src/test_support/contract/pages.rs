//! Promises about paging: following `next` from the first page lists every item of the
//! customer once, newest first, and ends.

use super::*;

/// The items of every page from the first on, following `next` until it is `None`,
/// each page holding at most `size`.
async fn walk<T, K, F, Fut>(size: u32, mut read: F) -> Result<Vec<Vec<T>>, String>
where
    K: Clone,
    F: FnMut(PageRequest<K>) -> Fut,
    Fut: Future<Output = Result<Page<T, K>, RepositoryError>>,
{
    let mut request = page_of(size)?;
    let mut pages = Vec::new();
    loop {
        let page = read(request.clone()).await.map_err(err)?;
        ensure!(
            page.items.len() <= request.size.count(),
            "a page of {} items, asked for {size}",
            page.items.len()
        );
        pages.push(page.items);
        match page.next {
            Some(key) => request.after = Some(key),
            None => return Ok(pages),
        }
        ensure!(pages.len() <= 10, "the pages never end");
    }
}

pub async fn invoice_pages_walk_the_list_once(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let m = Month::of(d(3, 1));
    // Four of the five on one instant, and the other customer's among them: the pages
    // must break ties by number and skip what is not the customer's.
    let mut mine = Vec::new();
    for (who, hour) in [
        (&a, 2),
        (&b, 3),
        (&a, 3),
        (&a, 3),
        (&b, 3),
        (&a, 3),
        (&a, 5),
    ] {
        let issued = issue(&p, &invoice(who, at(3, hour), vec![fee("pro", m, 1)?])).await?;
        if who == &a {
            mine.push(issued.id);
        }
    }
    let [a1, a2, a3, a4, a5] = <[_; 5]>::try_from(mine).map_err(|v| format!("issued {v:?}"))?;
    let pages = walk(2, |request| {
        let (p, a) = (&p, &a);
        async move { p.invoices.list(a, &request).await }
    })
    .await?;
    let ids: Vec<Vec<_>> = pages
        .iter()
        .map(|page| page.iter().map(|i| i.id.clone()).collect())
        .collect();
    ensure!(
        ids == [vec![a5, a4], vec![a3, a2], vec![a1]],
        "pages {ids:?}: newest first by time then number, each once, ending after the fifth"
    );

    let whole = p.invoices.list(&a, &page_of(5)?).await.map_err(err)?;
    ensure!(
        whole.items.len() == 5 && whole.next.is_none(),
        "a page holding the last invoice has a next page: {:?}",
        whole.next
    );
    let theirs = walk(2, |request| {
        let (p, b) = (&p, &b);
        async move { p.invoices.list(b, &request).await }
    })
    .await?;
    ensure!(
        theirs.len() == 1 && theirs[0].len() == 2,
        "the other customer's pages {theirs:?}"
    );
    Ok(())
}

pub async fn audit_pages_walk_the_log_once(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    // Recorded in this order; the other customer's entries among them. The hour names
    // the entry.
    for (who, hour) in [
        (&a, 1),
        (&b, 2),
        (&a, 3),
        (&a, 4),
        (&b, 5),
        (&a, 6),
        (&a, 7),
    ] {
        let mut txn = p.ledger.begin(who).await.map_err(err)?;
        txn.record(&audit(who, AuditAction::PlanUpgraded, at(2, hour))?)
            .await
            .map_err(err)?;
        txn.commit().await.map_err(err)?;
    }
    let pages = walk(2, |request| {
        let (p, a) = (&p, &a);
        async move { p.audit.list(a, &request).await }
    })
    .await?;
    ensure!(
        pages.iter().flatten().all(|e| e.customer_id == a),
        "another customer's entry"
    );
    let hours: Vec<Vec<_>> = pages
        .iter()
        .map(|page| page.iter().map(|e| (e.at - at(2, 0)).num_hours()).collect())
        .collect();
    ensure!(
        hours == [vec![7, 6], vec![4, 3], vec![1]],
        "pages by hour {hours:?}: newest first, each once, ending after the fifth"
    );
    let whole = p.audit.list(&a, &page_of(5)?).await.map_err(err)?;
    ensure!(
        whole.items.len() == 5 && whole.next.is_none(),
        "a page holding the last entry has a next page: {:?}",
        whole.next
    );
    Ok(())
}
