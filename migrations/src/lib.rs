//! The portal's schema: one migration set that runs on PostgreSQL and on SQLite.
//!
//! Money is stored as `BIGINT` minor units (fen) with a currency column, never as a
//! floating or backend-dependent decimal type: SQLite keeps `DECIMAL` as REAL.

pub use sea_orm_migration::prelude::*;

mod m20251201_000001_create_portal_tables;
mod m20251215_000002_billing_operations;
mod m20261126_000003_billing_timeline;
mod m20261127_000004_plan_overage;
mod m20261128_000005_usage_billing;
mod m20261129_000006_spend_guard;
mod m20261130_000007_outbox;
mod m20261201_000008_fapiao;
mod m20261206_000009_billing_runs;
mod m20261207_000010_tax;
mod m20261208_000011_receivables;
mod m20261209_000012_plan_names;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20251201_000001_create_portal_tables::Migration),
            Box::new(m20251215_000002_billing_operations::Migration),
            Box::new(m20261126_000003_billing_timeline::Migration),
            Box::new(m20261127_000004_plan_overage::Migration),
            Box::new(m20261128_000005_usage_billing::Migration),
            Box::new(m20261129_000006_spend_guard::Migration),
            Box::new(m20261130_000007_outbox::Migration),
            Box::new(m20261201_000008_fapiao::Migration),
            Box::new(m20261206_000009_billing_runs::Migration),
            Box::new(m20261207_000010_tax::Migration),
            Box::new(m20261208_000011_receivables::Migration),
            Box::new(m20261209_000012_plan_names::Migration),
        ]
    }
}
