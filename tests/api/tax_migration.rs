//! The previous version's data gets its VAT (contract §14): a database at the previous
//! schema, filled by the previous version's demo seed (`fixtures/previous_seed.sql`, see
//! `scripts/dump-seed.py`) and a fapiao request as it stored one, is migrated; every line
//! gets its plan's rate and the derived net and tax, no stored amount changes, and the
//! request gets its invoices' breakdown.

use portal_billing::InvoiceRepository;
use portal_billing::ports::FapiaoRepository;
use portal_domain::{CustomerId, InvoiceId};
use portal_migration::{Migrator, MigratorTrait};
use portal_persistence::SeaOrmStore;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::helpers::{Backend, TestDatabase};
use crate::on_both_databases;

on_both_databases!(the_previous_seed_gets_its_tax_and_keeps_its_amounts);

pub(crate) const PREVIOUS_SEED: &str = include_str!("fixtures/previous_seed.sql");
/// The migrations of the previous version.
pub(crate) const PREVIOUS_SCHEMA: u32 = 9;

/// The two paid pro months, requested as the previous version stored a request.
const PREVIOUS_REQUEST: &str = "INSERT INTO fapiao_requests (id, customer_id, status, kind, \
     amount_minor, currency, invoice_ids, title, tax_id, created_at, updated_at) VALUES \
     ('fpq_previous', 'cust_demo', 'pending', 'normal', '199800', 'CNY', \
     'INV202609001,INV202610001', '示例科技有限公司', NULL, \
     '2026-12-06T03:00:00+00:00', '2026-12-06T03:00:00+00:00')";

/// What the demo seed lacks: an adjustment invoice of the previous version with a
/// reversal (a negative line) and a legacy line that names no plan (its rate comes from
/// the customer's subscription).
pub(crate) const PREVIOUS_ADJUSTMENT: [&str; 2] = [
    "INSERT INTO invoices (id, customer_id, period, kind, status, amount_minor, currency, \
     created_at, due_date) VALUES ('INV202612901', 'cust_demo', '2026-12', 'adjustment', \
     'pending', '-26567', 'CNY', '2026-12-06T03:00:00+00:00', '2026-12-21')",
    "INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price_minor, \
     amount_minor, kind, plan_id, plan_name, period, from_date, to_date, days, days_in_month) \
     VALUES ('INV202612901', '0', 'Reversal: pro plan', '-1', '99900', '-99900', 'reversal', \
     'pro', '专业版', '2026-12', '2026-12-01', '2026-12-31', '31', '31'), \
     ('INV202612901', '1', '升级差价 / upgrade difference', '1', '73333', '73333', 'legacy', \
     NULL, NULL, '2026-12', NULL, NULL, NULL, NULL)",
];

async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (0..)
                .map_while(|i| {
                    row.try_get_by_index::<String>(i)
                        .or_else(|_| row.try_get_by_index::<i64>(i).map(|n| n.to_string()))
                        .or_else(|_| row.try_get_by_index::<i32>(i).map(|n| n.to_string()))
                        .ok()
                })
                .collect()
        })
        .collect()
}

const AMOUNTS: &str = "SELECT invoice_id, position, amount_minor, unit_price_minor \
     FROM invoice_lines ORDER BY invoice_id, position";
const TOTALS: &str = "SELECT id, amount_minor FROM invoices ORDER BY id";

async fn the_previous_seed_gets_its_tax_and_keeps_its_amounts(backend: Backend) {
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
    raw.execute_unprepared(PREVIOUS_REQUEST).await.unwrap();
    for statement in PREVIOUS_ADJUSTMENT {
        raw.execute_unprepared(statement).await.unwrap();
    }
    let (lines_before, totals_before) = (rows(&raw, AMOUNTS).await, rows(&raw, TOTALS).await);
    assert!(
        lines_before.len() >= 6,
        "the seed's lines: {lines_before:?}"
    );
    raw.close().await.unwrap();

    let store = SeaOrmStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let raw = Database::connect(&url).await.unwrap();
    assert_eq!(
        rows(&raw, AMOUNTS).await,
        lines_before,
        "no line amount changes"
    );
    assert_eq!(
        rows(&raw, TOTALS).await,
        totals_before,
        "no invoice total changes"
    );
    for plan in rows(&raw, "SELECT id, tax_rate FROM plans").await {
        assert_eq!(plan[1], "0.06", "{plan:?}");
    }
    // The legacy line's plan is its customer's subscription's.
    let lines = rows(
        &raw,
        "SELECT l.amount_minor, l.tax_rate, l.net_amount_minor, l.tax_amount_minor, \
         p.tax_rate FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         JOIN subscriptions s ON s.customer_id = i.customer_id \
         JOIN plans p ON p.id = COALESCE(l.plan_id, s.plan_id)",
    )
    .await;
    assert_eq!(lines.len(), lines_before.len(), "every line has its plan");
    let adjustment = rows(
        &raw,
        "SELECT net_amount_minor, tax_amount_minor FROM invoice_lines \
         WHERE invoice_id = 'INV202612901' ORDER BY position",
    )
    .await;
    // −999.00 takes back 56.55 of tax; 733.33 × 6/106 = 41.509… → 41.51.
    assert_eq!(adjustment, [["-94245", "-5655"], ["69182", "4151"]]);
    for line in &lines {
        let [amount, rate, net, tax, plan_rate] = [0, 1, 2, 3, 4].map(|i| line[i].clone());
        assert_eq!(rate, plan_rate, "{line:?}");
        let fen = |s: &str| s.parse::<i64>().unwrap();
        let rate: Decimal = rate.parse().unwrap();
        let expected = (Decimal::from(fen(&amount)) * rate / (Decimal::ONE + rate))
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(Decimal::from(fen(&tax)), expected, "{line:?}");
        assert_eq!(fen(&net) + fen(&tax), fen(&amount), "{line:?}");
    }
    raw.close().await.unwrap();

    // Read back through the store as the portal reads them.
    let customer = CustomerId::parse("cust_demo").unwrap();
    let september = InvoiceRepository::find(
        &store,
        &customer,
        &InvoiceId::parse("INV202609001").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let tax = september.tax().unwrap();
    assert_eq!(tax.tax_amount.amount().to_string(), "56.55");
    assert_eq!(tax.net_amount.amount().to_string(), "942.45");
    let requests = store.requests(&customer).await.unwrap();
    let request = requests.iter().find(|r| r.id == "fpq_previous").unwrap();
    assert_eq!(request.tax.breakdown.len(), 1);
    assert_eq!(request.tax.tax_amount.amount().to_string(), "113.10");
    assert_eq!(request.tax.net_amount.amount().to_string(), "1884.90");
    assert_eq!(request.tax.amount, request.amount);
    store.close().await.unwrap();
}
