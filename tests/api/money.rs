//! Money is exact on both databases: amounts with cents are stored, read back and summed
//! without drift (sea-orm reads SQLite decimals through f64; we store integer fen).

use chrono::{Days, Utc};
use portal_billing::{InvoiceRepository, Ledger, PlanCatalog};
use portal_domain::{
    Currency, CustomerId, InvoiceKind, InvoiceLine, InvoiceStatus, Money, Month, NewInvoice,
    OveragePrices, Plan, PlanId, Quotas, TaxRate,
};
use portal_persistence::SeaOrmStore;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_databases;

on_both_databases!(money_round_trips_and_sums_exactly);

async fn money_round_trips_and_sums_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = SeaOrmStore::connect(&app.database_url).await.unwrap();

    // A price f64 cannot hold to the cent.
    let price = Money::new(dec!(12345678901234.56), Currency::Cny).unwrap();
    let plan = Plan {
        id: PlanId::parse("galactic").unwrap(),
        name: "星际版".into(),
        name_en: "Galactic".into(),
        price,
        quotas: Quotas {
            ai_chat: 1,
            agent_seats: 1,
            email: 1,
        },
        overage: OveragePrices {
            ai_chat: Money::new(dec!(0.01), Currency::Cny).unwrap(),
            email: Money::new(dec!(0.02), Currency::Cny).unwrap(),
            agent_seats: Money::new(dec!(98765432109.87), Currency::Cny).unwrap(),
        },
        // Four decimals: the finest rate a plan may carry.
        tax_rate: TaxRate::parse("0.0625").unwrap(),
    };
    store.upsert(&plan).await.unwrap();
    let back = PlanCatalog::find(&store, &plan.id).await.unwrap().unwrap();
    assert_eq!(back.price.amount(), dec!(12345678901234.56));
    assert_eq!(back.overage, plan.overage);
    assert_eq!(back.tax_rate.to_string(), "0.0625");
    let api = app.read("/api/portal/plans").await;
    let galactic = api["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == "galactic")
        .unwrap()
        .clone();
    assert_eq!(galactic["price"], "12345678901234.56");
    assert_eq!(galactic["tax_rate"], "0.0625");

    // 1,000 lines of 0.10 and one of 0.01 sum to exactly 100.01. At 6 % each dime holds
    // 0.0057 of tax, rounded per line to 0.01: the invoice's tax is 10.00, not the 5.66
    // of its total (§14: one rounding per line, the document sums its lines).
    let six = TaxRate::information_services();
    let dime = Money::new(dec!(0.10), Currency::Cny).unwrap();
    let mut lines: Vec<InvoiceLine> = (0..1000)
        .map(|i| InvoiceLine::new(format!("line {i}"), 1, dime, six))
        .collect();
    lines.push(InvoiceLine::new(
        "cent",
        1,
        Money::new(dec!(0.01), Currency::Cny).unwrap(),
        six,
    ));
    let now = Utc::now();
    let customer = CustomerId::parse("cust_demo").unwrap();
    let mut txn = store.begin(&customer).await.unwrap();
    let issued = txn
        .issue(&NewInvoice {
            customer_id: customer.clone(),
            period: Month::parse("2001-01").unwrap(),
            kind: InvoiceKind::Subscription,
            status: InvoiceStatus::Pending,
            currency: Currency::Cny,
            lines,
            created_at: now,
            issued_on: now.date_naive(),
            due_date: now.date_naive() + Days::new(15),
        })
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let stored = InvoiceRepository::find(&store, &customer, &issued.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.amount.amount(), dec!(100.01));
    let sum: Decimal = stored.lines.iter().map(|l| l.amount.amount()).sum();
    assert_eq!(sum, dec!(100.01));
    let api = app
        .read(&format!("/api/portal/invoices/{}", issued.id))
        .await;
    assert_eq!(api["amount"], "100.01");
    assert_eq!(api["lines"].as_array().unwrap().len(), 1001);
    assert_eq!(api["tax_amount"], "10.00");
    assert_eq!(api["net_amount"], "90.01");
    assert_eq!(api["lines"][0]["net_amount"], "0.09");
    assert_eq!(api["lines"][1000]["tax_amount"], "0.00");
    assert_eq!(
        api["tax_breakdown"],
        serde_json::json!([{"tax_rate": "0.06", "net_amount": "90.01",
            "tax_amount": "10.00", "amount": "100.01"}])
    );
    assert_eq!(api["amount_in_words"], "壹佰元零壹分");
    store.close().await.unwrap();
}
