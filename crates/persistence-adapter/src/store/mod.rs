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

mod ahead;
mod audit;
mod customers;
mod documents;
mod entries;
mod fapiao;
mod guard;
mod idempotency;
mod invoices;
mod ledger;
mod ledger_unit;
mod moves;
mod notification_rows;
pub(crate) mod outbox;
mod plans;
pub(crate) mod receivables;
pub(crate) mod runs;
mod statement;
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
        let db = if is_sqlite {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .connect_timeout(Duration::from_secs(3))
                .acquire_timeout(Duration::from_secs(5))
                .sqlx_logging(false)
                .max_connections(1)
                .min_connections(1);
            Database::connect(options)
                .await
                .map_err(ConnectError::Connect)?
        } else {
            postgres(url).await?
        };
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
    #[tracing::instrument(name = "store.store.ready", level = "debug", skip_all)]
    async fn ready(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}

/// How long one PostgreSQL statement may run before the server cancels it (a 503).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A PostgreSQL pool built here rather than by `Database::connect`, whose trace span
/// prints the URL, password included. While the database is down a request waits at
/// most 5 s for a connection, then answers 503; the pool checks a connection before
/// handing it out, so service resumes by itself once the database is back. Every session
/// has `statement_timeout` set, unless the URL's `options` set one.
async fn postgres(url: &str) -> Result<DatabaseConnection, ConnectError> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    let mut options: PgConnectOptions = url.parse().map_err(sqlx_connect_error)?;
    if !url.contains("statement_timeout") {
        options = options.options([(
            "statement_timeout",
            format!("{}ms", STATEMENT_TIMEOUT.as_millis()),
        )]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(true)
        .connect_with(options)
        .await
        .map_err(sqlx_connect_error)?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        pool,
    ))
}

fn sqlx_connect_error(e: sea_orm::sqlx::Error) -> ConnectError {
    ConnectError::Connect(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
        std::sync::Arc::new(e),
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    #[tokio::test]
    async fn every_postgresql_session_has_the_statement_timeout() {
        // The machine's server (nothing is written), as the other tests use it.
        let url = std::env::var("PORTAL_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let store = SeaOrmStore::connect(&url).await.unwrap();
        let row = store
            .db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SHOW statement_timeout",
            ))
            .await
            .unwrap()
            .unwrap();
        let value: String = row.try_get("", "statement_timeout").unwrap();
        assert_eq!(value, "15s");
    }
}
