//! [`SeaOrmStore`]: every repository port on one sea-orm connection, one module per
//! aggregate.
//!
//! Units of work that write several tables (an upgrade with its invoice, an invoice with
//! its lines and number) run in one transaction. Concurrency is handled without
//! backend-specific locking statements: the plan change is a compare-and-set on the
//! subscription's `version`, and invoice numbers come from a per-month counter row that
//! is incremented inside the invoice's transaction, so a rolled-back invoice leaves no gap.

use std::time::Duration;

use async_trait::async_trait;

use portal_billing::HealthProbe;
use portal_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

mod audit;
mod customers;
mod idempotency;
mod invoices;
mod ledger;
mod plans;
mod subscriptions;
mod usage;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with postgres://, postgresql:// or sqlite:")]
    UnsupportedUrl,
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sea_orm::DbErr),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[source] sea_orm::DbErr),
}

/// The repositories on PostgreSQL or SQLite.
#[derive(Clone, Debug)]
pub struct SeaOrmStore {
    pub(crate) db: DatabaseConnection,
}

/// A compare-and-set's outcome: it changed exactly one row, or the row moved on
/// ([`RepositoryError::Conflict`]; dropping the caller's transaction rolls it back).
fn one_row(rows_affected: u64) -> Result<(), portal_billing::RepositoryError> {
    if rows_affected == 1 {
        Ok(())
    } else {
        Err(portal_billing::RepositoryError::Conflict)
    }
}

/// Rows per multi-row insert: well below SQLite's and PostgreSQL's parameter limits.
const INSERT_CHUNK: usize = 500;

impl SeaOrmStore {
    /// Opens the database named by `url`. SQLite gets a single connection: it has one
    /// writer anyway, and one connection rules out `SQLITE_BUSY` between our own
    /// transactions.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let is_sqlite = url.starts_with("sqlite:");
        if !is_sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(ConnectError::UnsupportedUrl);
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        if is_sqlite {
            options.max_connections(1).min_connections(1);
        } else {
            options.max_connections(16).min_connections(1);
        }
        let db = Database::connect(options)
            .await
            .map_err(ConnectError::Connect)?;
        Ok(Self { db })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        Migrator::up(&self.db, None)
            .await
            .map_err(ConnectError::Migrate)
    }

    pub async fn close(self) -> Result<(), sea_orm::DbErr> {
        self.db.close().await
    }
}

#[async_trait]
impl HealthProbe for SeaOrmStore {
    async fn ready(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}
