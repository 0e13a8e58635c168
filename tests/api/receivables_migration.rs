//! The previous version's data gets its account (contract §15): a database filled by the
//! previous version's demo seed, an adjustment that credits (a negative invoice of that
//! version, a cancellation's or a downgrade's) and a recorded payment is migrated; the
//! negative invoice is a credit note under its id, applied to the earliest due open
//! invoice; paid invoices are paid by payments on the account; the equation holds for
//! every customer.

use chrono::{TimeZone, Utc};
use portal_billing::test_support::FixedClock;
use portal_billing::{Principal, Role};
use portal_domain::{
    CustomerId, DocumentKind, InvoiceId, InvoiceKey, InvoiceStatus, Money, PageRequest, PageSize,
    UserId,
};
use portal_migration::{Migrator, MigratorTrait};
use portal_persistence::SeaOrmStore;
use sea_orm::{ConnectionTrait, Database};

use super::tax_migration::{PREVIOUS_ADJUSTMENT, PREVIOUS_SCHEMA, PREVIOUS_SEED};
use crate::helpers::{Backend, TestDatabase, portal_on};
use crate::on_both_databases;

on_both_databases!(the_previous_seed_gets_its_account_and_the_equation_holds);

const PREVIOUS_PAYMENT: &str = "INSERT INTO payments (invoice_id, amount_minor, currency, \
     reference, paid_at) VALUES ('INV202609001', '99900', 'CNY', 'BANK-OLD-1', \
     '2026-09-03T02:00:00+00:00')";

async fn the_previous_seed_gets_its_account_and_the_equation_holds(backend: Backend) {
    let (_db, url) = TestDatabase::create(backend).await;
    let raw = Database::connect(&url).await.unwrap();
    Migrator::up(&raw, Some(PREVIOUS_SCHEMA)).await.unwrap();
    let statements = PREVIOUS_SEED
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in statements.split(";\n").filter(|s| !s.trim().is_empty()) {
        raw.execute_unprepared(statement).await.unwrap();
    }
    for statement in PREVIOUS_ADJUSTMENT {
        raw.execute_unprepared(statement).await.unwrap();
    }
    raw.execute_unprepared(PREVIOUS_PAYMENT).await.unwrap();
    raw.close().await.unwrap();

    let store = SeaOrmStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 12, 6, 4, 0, 0).unwrap());
    let portal = portal_on(store.clone(), clock);
    for customer in ["cust_demo", "cust_demo2"] {
        let who = Principal::new(
            CustomerId::parse(customer).unwrap(),
            UserId::parse("auditor").unwrap(),
            Role::Member,
        );
        let page = || PageRequest::<InvoiceKey>::first(PageSize::new(200).unwrap());
        let mut invoiced = Money::from_minor(0, portal_domain::Currency::Cny);
        let mut paid = invoiced;
        for summary in portal.invoices.invoices(&who, page()).await.unwrap().items {
            let invoice = portal.invoices.invoice(&who, &summary.id).await.unwrap();
            assert!(!invoice.amount.is_negative(), "{invoice:?}");
            invoiced = invoiced.checked_add(&invoice.amount).unwrap();
            for p in &invoice.payments {
                paid = paid.checked_add(&p.amount).unwrap();
            }
            if invoice.status == InvoiceStatus::Paid {
                assert_eq!(invoice.amount_paid, invoice.amount, "{invoice:?}");
            }
        }
        let mut credited = Money::from_minor(0, portal_domain::Currency::Cny);
        for note in portal
            .receivables
            .credit_notes(&who, page())
            .await
            .unwrap()
            .items
        {
            assert_eq!(note.document, DocumentKind::CreditNote);
            credited = credited.checked_sub(&note.amount).unwrap();
        }
        let balance = portal.receivables.balance(&who).await.unwrap().balance;
        assert_eq!(
            invoiced
                .checked_sub(&credited)
                .unwrap()
                .checked_sub(&paid)
                .unwrap(),
            balance.outstanding.checked_sub(&balance.credit).unwrap(),
            "the equation for {customer}: {balance:?}"
        );
    }
    // The negative invoice is a credit note under its id, applied to the earliest due
    // open invoice (November's).
    let who = Principal::new(
        CustomerId::parse("cust_demo").unwrap(),
        UserId::parse("auditor").unwrap(),
        Role::Member,
    );
    let id = InvoiceId::parse("INV202612901").unwrap();
    let note = portal.receivables.credit_note(&who, &id).await.unwrap();
    assert_eq!(note.credit_note.status, InvoiceStatus::Issued);
    let november = portal
        .invoices
        .invoice(&who, &InvoiceId::parse("INV202611001").unwrap())
        .await
        .unwrap();
    assert_eq!(november.amount_paid, note.credit_note.amount.negated());
    assert_eq!(november.applications[0].id, "INV202612901");
    // The recorded payment keeps its reference; a new payment is numbered after it.
    let september = portal
        .invoices
        .invoice(&who, &InvoiceId::parse("INV202609001").unwrap())
        .await
        .unwrap();
    assert_eq!(september.payments[0].reference, "BANK-OLD-1");
    store.close().await.ok();
}
