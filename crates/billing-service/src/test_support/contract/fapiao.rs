//! The fapiao repository's promises: a request holds its invoices (one holding request
//! per invoice, concurrent requests included); a transition happens only from the status
//! it expects; withdrawn and reversed requests free their invoices; files and requests
//! are the customer's own.

use portal_domain::fapiao::{RawFapiaoProfile, validate_issuance, validate_profile};
use portal_domain::{
    AuditAction, Currency, CustomerId, DocumentTax, FapiaoKind, FapiaoRequestStatus, InvoiceId,
    LineTax, TaxRate,
};

use super::{Outcome, at, audit, cny, customer, err};
use crate::Adapters;
use crate::ports::RepositoryError;
use crate::ports::{FapiaoRequest, FapiaoTransition};

fn iid(raw: &str) -> Result<InvoiceId, String> {
    InvoiceId::parse(raw).map_err(err)
}

fn rate(raw: &str) -> Result<TaxRate, String> {
    TaxRate::parse(raw).map_err(err)
}

fn request(customer: &CustomerId, id: &str, invoices: &[&str]) -> Result<FapiaoRequest, String> {
    Ok(FapiaoRequest {
        id: id.to_owned(),
        customer_id: customer.clone(),
        status: FapiaoRequestStatus::Pending,
        kind: FapiaoKind::Normal,
        amount: cny(199_800),
        // Two rates, so the breakdown's order and sums are kept.
        tax: DocumentTax::from_parts(
            Currency::Cny,
            [
                (
                    LineTax::of(cny(99_900), TaxRate::information_services()),
                    cny(99_900),
                ),
                (LineTax::of(cny(99_900), rate("0.13")?), cny(99_900)),
            ]
            .map(|(t, amount)| (t.rate, t.net_amount, t.tax_amount, amount)),
        )
        .map_err(err)?,
        invoice_ids: invoices.iter().map(|i| iid(i)).collect::<Result<_, _>>()?,
        title: "示例科技有限公司".into(),
        tax_id: Some("91350100M000100Y43".into()),
        created_at: at(2, 0),
        issuance: None,
        reversal_reason: None,
    })
}

async fn create(p: &Adapters, r: &FapiaoRequest) -> Result<Result<(), RepositoryError>, String> {
    let entry = audit(&r.customer_id, AuditAction::FapiaoRequested, at(2, 0))?;
    Ok(p.fapiao.create_request(r, &entry).await)
}

pub async fn fapiao_requests_hold_their_invoices_once(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let profile = validate_profile(&RawFapiaoProfile {
        title_type: Some("company".into()),
        title: Some("示例科技有限公司".into()),
        tax_id: Some("91350100M000100Y43".into()),
        email: Some("finance@example.com".into()),
        ..Default::default()
    })
    .map_err(err)?;
    let entry = audit(&a, AuditAction::FapiaoProfileUpdated, at(1, 0))?;
    p.fapiao
        .set_profile(&a, &profile, &entry)
        .await
        .map_err(err)?;
    ensure!(
        p.fapiao.profile(&a).await.map_err(err)? == Some(profile),
        "profile read back"
    );
    ensure!(p.fapiao.profile(&b).await.map_err(err)?.is_none(), "scoped");

    let first = request(&a, "fpq_1", &["INV202603001", "INV202603002"])?;
    create(&p, &first).await?.map_err(err)?;
    let overlapping = request(&a, "fpq_2", &["INV202603002", "INV202603003"])?;
    ensure!(
        matches!(
            create(&p, &overlapping).await?,
            Err(RepositoryError::Conflict)
        ),
        "an invoice held twice"
    );
    ensure!(
        p.fapiao
            .request(None, "fpq_2")
            .await
            .map_err(err)?
            .is_none(),
        "the refused request was stored"
    );
    // Two requests for one invoice at once: exactly one wins.
    let (x, y) = (
        request(&a, "fpq_x", &["INV202603004"])?,
        request(&a, "fpq_y", &["INV202603004"])?,
    );
    let (rx, ry) = tokio::join!(create(&p, &x), create(&p, &y));
    let won = [rx?.is_ok(), ry?.is_ok()];
    ensure!(won.iter().filter(|w| **w).count() == 1, "won: {won:?}");

    let held = p
        .fapiao
        .holders(&a, &[iid("INV202603001")?, iid("INV202603003")?])
        .await
        .map_err(err)?;
    ensure!(
        held.get(&iid("INV202603001")?) == Some(&FapiaoRequestStatus::Pending)
            && !held.contains_key(&iid("INV202603003")?),
        "holders: {held:?}"
    );
    ensure!(
        p.fapiao
            .holders(&b, &[iid("INV202603001")?])
            .await
            .map_err(err)?
            .is_empty(),
        "another customer's holders"
    );
    ensure!(
        p.fapiao
            .request(Some(&b), "fpq_1")
            .await
            .map_err(err)?
            .is_none(),
        "another customer's request"
    );
    let listed = p.fapiao.requests(&a).await.map_err(err)?;
    ensure!(listed.len() == 2, "listed {}", listed.len());
    Ok(())
}

pub async fn fapiao_transitions_expect_their_status(p: Adapters) -> Outcome {
    let a = customer(&p, "cust_a").await?;
    let b = customer(&p, "cust_b").await?;
    let pending = request(&a, "fpq_1", &["INV202603001"])?;
    create(&p, &pending).await?.map_err(err)?;
    let issuance =
        validate_issuance("12345678901234567890", "2026-03-05", "pdf", 5).map_err(err)?;
    let issued = FapiaoRequest {
        status: FapiaoRequestStatus::Issued,
        issuance: Some(issuance),
        ..pending.clone()
    };
    let entry = audit(&a, AuditAction::FapiaoIssued, at(5, 0))?;
    let issue = |from| FapiaoTransition {
        request: &issued,
        from,
        file: Some(b"%PDF-"),
        audit: &entry,
        outbox: &[],
        notification: None,
    };
    ensure!(
        matches!(
            p.fapiao
                .transition(issue(FapiaoRequestStatus::Issued))
                .await,
            Err(RepositoryError::Conflict)
        ),
        "issued from a status it does not have"
    );
    p.fapiao
        .transition(issue(FapiaoRequestStatus::Pending))
        .await
        .map_err(err)?;
    ensure!(
        matches!(
            p.fapiao
                .transition(issue(FapiaoRequestStatus::Pending))
                .await,
            Err(RepositoryError::Conflict)
        ),
        "issued twice"
    );
    let stored = p.fapiao.request(Some(&a), "fpq_1").await.map_err(err)?;
    ensure!(stored.as_ref() == Some(&issued), "read back: {stored:?}");
    ensure!(
        p.fapiao.file(&a, "fpq_1").await.map_err(err)? == Some(b"%PDF-".to_vec()),
        "the file"
    );
    ensure!(
        p.fapiao.file(&b, "fpq_1").await.map_err(err)?.is_none(),
        "another customer's file"
    );
    // Issued still holds the invoice; reversed frees it.
    ensure!(
        matches!(
            create(&p, &request(&a, "fpq_2", &["INV202603001"])?).await?,
            Err(RepositoryError::Conflict)
        ),
        "an issued request's invoice requested again"
    );
    let reversed = FapiaoRequest {
        status: FapiaoRequestStatus::Reversed,
        reversal_reason: Some("抬头有误".into()),
        ..issued.clone()
    };
    let entry = audit(&a, AuditAction::FapiaoReversed, at(6, 0))?;
    p.fapiao
        .transition(FapiaoTransition {
            request: &reversed,
            from: FapiaoRequestStatus::Issued,
            file: None,
            audit: &entry,
            outbox: &[],
            notification: None,
        })
        .await
        .map_err(err)?;
    create(&p, &request(&a, "fpq_3", &["INV202603001"])?)
        .await?
        .map_err(|e| format!("a reversed request's invoice: {e}"))?;
    ensure!(
        p.fapiao.file(&a, "fpq_1").await.map_err(err)? == Some(b"%PDF-".to_vec()),
        "a reversed fapiao's file is kept"
    );
    let pending = p
        .fapiao
        .requests_in(FapiaoRequestStatus::Pending)
        .await
        .map_err(err)?;
    ensure!(
        pending.iter().map(|r| r.id.as_str()).collect::<Vec<_>>() == ["fpq_3"],
        "pending: {pending:?}"
    );
    Ok(())
}
