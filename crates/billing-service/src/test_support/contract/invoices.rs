//! Promises about invoices, payments, expiry and the audit log.

use super::*;

pub async fn invoices_are_scoped_and_newest_first(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let m = Month::of(d(3, 1));
    let first = issue(&p, &invoice(&a, at(2, 0), vec![fee("pro", m, 1)?])).await?;
    let theirs = issue(&p, &invoice(&b, at(3, 0), vec![fee("pro", m, 1)?])).await?;
    let second = issue(&p, &invoice(&a, at(4, 0), vec![fee("pro", m, 1)?])).await?;
    let listed: Vec<_> = invoices_of(&p, &a)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    ensure!(
        listed == [second.id.clone(), first.id.clone()],
        "listed {listed:?}"
    );
    ensure!(
        p.invoices
            .find(&a, &theirs.id)
            .await
            .map_err(err)?
            .is_none(),
        "another customer's invoice was found"
    );
    ensure!(
        p.invoices
            .find_any(&theirs.id)
            .await
            .map_err(err)?
            .is_some(),
        "find_any missed it"
    );
    Ok(())
}

pub async fn mark_overdue_takes_pending_positive_past_due(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let m = Month::of(d(3, 1));
    let due = issue(&p, &invoice(&a, at(1, 0), vec![fee("pro", m, 100)?])).await?;
    let credit = issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", m, 100)?.reversed()]),
    )
    .await?;
    let later = issue(&p, &invoice(&a, at(20, 0), vec![fee("pro", m, 100)?])).await?;
    let announce = |i: &portal_domain::Invoice| {
        Some(super::outbox::message(
            &i.customer_id,
            &format!("evt_{}", i.id),
            at(17, 0),
        ))
    };
    let due_id = due.id.clone();
    // Due on the 16th: overdue from the 17th.
    ensure!(
        p.invoices
            .mark_overdue(d(3, 16), &announce)
            .await
            .map_err(err)?
            == 0,
        "overdue on its due date"
    );
    let n = p
        .invoices
        .mark_overdue(d(3, 17), &announce)
        .await
        .map_err(err)?;
    ensure!(n == 1, "{n} marked");
    // Each invoice marked is announced in the same transaction, once.
    let claimed = p
        .outbox
        .claim_due(at(17, 0), std::time::Duration::from_secs(60), 10)
        .await
        .map_err(err)?;
    let announced: Vec<&str> = claimed.iter().map(|d| d.message.id.as_str()).collect();
    ensure!(
        announced == [format!("evt_{}", due_id)],
        "announced {announced:?}"
    );
    // What adds up to less than nothing is a credit note: never overdue, not an invoice.
    let note = p
        .receivables
        .credit_note(&a, &credit.id)
        .await
        .map_err(err)?
        .ok_or("the credit note is missing")?;
    ensure!(
        note.status == InvoiceStatus::Issued && credit.id.as_str().starts_with("CN"),
        "credit note {} is {:?}",
        credit.id,
        note.status
    );
    ensure!(
        p.invoices
            .find(&a, &credit.id)
            .await
            .map_err(err)?
            .is_none(),
        "a credit note was found as an invoice"
    );
    for (id, want) in [
        (&due.id, InvoiceStatus::Overdue),
        (&later.id, InvoiceStatus::Pending),
    ] {
        let got = p
            .invoices
            .find(&a, id)
            .await
            .map_err(err)?
            .ok_or("missing")?
            .status;
        ensure!(got == want, "{id} is {got:?}");
    }
    Ok(())
}

pub async fn payments_apply_once_and_never_below_zero(p: Adapters) -> Outcome {
    use crate::ports::NewPayment;
    use portal_domain::receivables::{CreditSource, Settlement};
    let a = customer(&p, "cust_a").await?;
    let inv = issue(
        &p,
        &invoice(&a, at(1, 0), vec![fee("pro", Month::of(d(3, 1)), 99_900)?]),
    )
    .await?;
    let payment = NewPayment {
        customer_id: a.clone(),
        amount: inv.amount,
        reference: Some("BANK-1".into()),
        memo: None,
        method: "bank_transfer".into(),
        paid_at: at(5, 0),
        created_at: at(5, 0),
        invoice_id: None,
    };
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let record = txn.receive(&payment).await.map_err(err)?;
    let credits = txn.open_credits().await.map_err(err)?;
    ensure!(
        credits.len() == 1 && credits[0].open == inv.amount,
        "open credits {credits:?}"
    );
    let settlement = Settlement {
        invoice_id: inv.id.clone(),
        entry: record.entry,
        source: CreditSource::Payment,
        source_id: record.id.clone(),
        amount: inv.amount,
    };
    txn.apply(std::slice::from_ref(&settlement), at(5, 0))
        .await
        .map_err(err)?;
    txn.record(&audit(&a, AuditAction::InvoicePaid, at(5, 0))?)
        .await
        .map_err(err)?;
    txn.commit().await.map_err(err)?;
    let paid = p
        .invoices
        .find(&a, &inv.id)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(
        paid.status == InvoiceStatus::Paid && paid.amount_paid == inv.amount,
        "after paying: {:?} {:?}",
        paid.status,
        paid.amount_paid
    );
    ensure!(
        paid.applications.len() == 1,
        "applications {:?}",
        paid.applications
    );
    // The same credit applied again would take it and the invoice below zero.
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let again = txn.apply(&[settlement], at(6, 0)).await;
    let stored = match again {
        Err(RepositoryError::Conflict) => {
            drop(txn);
            true
        }
        Ok(()) => matches!(txn.commit().await, Err(RepositoryError::Conflict)),
        Err(e) => return Err(format!("second application: {e:?}")),
    };
    ensure!(stored, "a second application was stored");
    // The same bank reference is one payment.
    let mut txn = p.ledger.begin(&a).await.map_err(err)?;
    let twice = match txn.receive(&payment).await {
        Err(RepositoryError::Conflict) => {
            drop(txn);
            true
        }
        Ok(_) => matches!(txn.commit().await, Err(RepositoryError::Conflict)),
        Err(e) => return Err(format!("second receipt: {e:?}")),
    };
    ensure!(twice, "a reference was recorded twice");
    ensure!(audit_of(&p, &a).await?.len() == 1, "audit entries");
    Ok(())
}

pub async fn expire_ended_expires_active_past_end(p: Adapters) -> Outcome {
    plan(&p, "pro", 99_900).await?;
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    subscribe(&p, &a, "pro", d(1, 1), d(3, 10)).await?;
    subscribe(&p, &b, "pro", d(1, 1), d(3, 11)).await?;
    let n = p.subscriptions.expire_ended(d(3, 11)).await.map_err(err)?;
    ensure!(n == 1, "{n} expired");
    let sa = p
        .subscriptions
        .current(&a)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    let sb = p
        .subscriptions
        .current(&b)
        .await
        .map_err(err)?
        .ok_or("missing")?;
    ensure!(
        sa.status == SubscriptionStatus::Expired,
        "a is {:?}",
        sa.status
    );
    ensure!(
        sb.status == SubscriptionStatus::Active,
        "b is {:?}",
        sb.status
    );
    Ok(())
}

pub async fn audit_is_newest_first_limited_scoped(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    plan(&p, "pro", 99_900).await?;
    subscribe(&p, &a, "pro", d(1, 1), d(12, 31)).await?;
    for (who, action, hour) in [
        (&a, AuditAction::DowngradeScheduled, 1),
        (&b, AuditAction::PlanUpgraded, 2),
        (&a, AuditAction::DowngradeCancelled, 3),
        (&a, AuditAction::PlanUpgraded, 4),
    ] {
        let mut txn = p.ledger.begin(who).await.map_err(err)?;
        txn.record(&audit(who, action, at(2, hour))?)
            .await
            .map_err(err)?;
        txn.commit().await.map_err(err)?;
    }
    let page = p.audit.list(&a, &page_of(2)?).await.map_err(err)?;
    ensure!(
        page.next.is_some(),
        "a third entry follows, yet no next page"
    );
    let log = page.items;
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    ensure!(
        actions == [AuditAction::PlanUpgraded, AuditAction::DowngradeCancelled],
        "got {actions:?}"
    );
    ensure!(
        log.iter().all(|e| e.customer_id == a),
        "another customer's entry"
    );
    Ok(())
}
