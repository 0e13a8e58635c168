//! Invoice documents through the `Invoices` service on the in-memory fakes: scoped to the
//! customer, rendered once per ETag, the language part of the ETag.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{TimeZone, Utc};
use portal_billing::invoices::InvoiceError;
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{Portal, Principal, Role};
use portal_domain::{CustomerId, UserId};

fn who(customer: &str) -> Principal {
    Principal::new(
        CustomerId::parse(customer).unwrap(),
        UserId::parse("user_1").unwrap(),
        Role::Member,
    )
}

#[tokio::test]
async fn invoice_pdf_is_tenant_scoped_and_cached_by_etag() {
    use portal_billing::test_support::TextRenderer;
    use portal_billing::{DocumentLanguage, PdfBody};
    use std::sync::Arc;

    let store = InMemoryStore::default();
    let renderer = Arc::new(TextRenderer::default());
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap());
    let portal = Portal::new(store.ports_with(clock, renderer.clone()));
    portal.demo.seed().await.unwrap();

    let pdf = async |who: &Principal, language, etag: Option<&str>| {
        portal
            .invoices
            .invoice_pdf(
                who,
                &portal_domain::InvoiceId::parse("INV202511001").unwrap(),
                language,
                etag,
                portal_domain::DocumentKind::Invoice,
            )
            .await
    };
    let zh = pdf(&who("cust_demo"), DocumentLanguage::Zh, None)
        .await
        .unwrap();
    assert_eq!(zh.filename, "INV202511001.pdf");
    let PdfBody::Document(bytes) = &zh.body else {
        panic!("expected a document")
    };
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("示例科技有限公司") && text.contains("999.00"));

    let again = pdf(&who("cust_demo"), DocumentLanguage::Zh, Some(&zh.etag))
        .await
        .unwrap();
    assert_eq!(again.body, PdfBody::NotModified);
    assert_eq!(
        renderer.renders(),
        1,
        "a current copy is not rendered again"
    );

    let en = pdf(&who("cust_demo"), DocumentLanguage::En, Some(&zh.etag))
        .await
        .unwrap();
    assert_ne!(en.etag, zh.etag, "the language is part of the ETag");
    assert!(matches!(en.body, PdfBody::Document(_)));

    let other = pdf(&who("cust_demo2"), DocumentLanguage::Zh, None)
        .await
        .unwrap_err();
    assert!(matches!(other, InvoiceError::NotFound("invoice")));
}
