//! [`SeaOrmStore`]: every repository port on one sea-orm connection.
//!
//! Units of work that write several tables (an upgrade with its invoice, an invoice with
//! its lines and number) run in one transaction. Concurrency is handled without
//! backend-specific locking statements: the plan change is a compare-and-set on the
//! subscription's `version`, and invoice numbers come from a per-month counter row that
//! is incremented inside the invoice's transaction, so a rolled-back invoice leaves no gap.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::{
    CustomerRepository, HealthProbe, InvoiceRepository, PlanCatalog, PlanChangeCommit,
    RepositoryError, SubscriptionRepository, UsageRepository,
};
use portal_domain::invoice::invoice_number;
use portal_domain::{
    AccountChanges, Customer, CustomerId, DateRange, Invoice, InvoiceId, InvoiceKind,
    InvoiceSummary, NewCustomer, NewInvoice, Plan, PlanId, Product, Subscription, UsageRecord,
};
use portal_migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait,
};

use crate::convert::{self, db_err};
use crate::entity::{customers, invoice_lines, invoices, plans, subscriptions, usage_logs};

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
    db: DatabaseConnection,
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

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub async fn close(self) -> Result<(), sea_orm::DbErr> {
        self.db.close().await
    }

    async fn lines_of(
        db: &impl ConnectionTrait,
        invoice_id: &str,
    ) -> Result<Vec<invoice_lines::Model>, RepositoryError> {
        invoice_lines::Entity::find()
            .filter(invoice_lines::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(invoice_lines::Column::Position)
            .all(db)
            .await
            .map_err(db_err)
    }

    /// Allocates the next number of `month` inside `txn`. The counter row stays locked
    /// until `txn` ends, so numbers are handed out one at a time and a rollback returns
    /// the number.
    async fn next_invoice_sequence(
        txn: &DatabaseTransaction,
        month: &str,
    ) -> Result<u32, RepositoryError> {
        let table = Alias::new("invoice_sequences");
        let last = Alias::new("last_seq");
        let stmt = Query::insert()
            .into_table(table.clone())
            .columns([Alias::new("month"), last.clone()])
            .values([month.into(), 1_i64.into()])
            .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?
            .on_conflict(
                OnConflict::column(Alias::new("month"))
                    .value(last.clone(), Expr::col((table, last.clone())).add(1))
                    .to_owned(),
            )
            .returning_col(last)
            .to_owned();
        let row = txn
            .query_one(&stmt)
            .await
            .map_err(db_err)?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("no sequence returned")))?;
        let seq: i64 = row.try_get("", "last_seq").map_err(db_err)?;
        u32::try_from(seq).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))
    }

    /// Numbers and stores an invoice with its lines inside `txn`.
    async fn insert_invoice(
        txn: &DatabaseTransaction,
        new: &NewInvoice,
    ) -> Result<Invoice, RepositoryError> {
        let month = new.numbering_month();
        let seq = Self::next_invoice_sequence(txn, &month.compact()).await?;
        let id = invoice_number(month, seq);
        let total = new
            .total()
            .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
        let row = invoices::ActiveModel {
            id: Set(id.to_string()),
            customer_id: Set(new.customer_id.to_string()),
            period: Set(new.period.to_string()),
            kind: Set(new.kind.as_str().to_owned()),
            status: Set(new.status.as_str().to_owned()),
            amount_minor: Set(convert::minor(&total)?),
            currency: Set(new.currency.code().to_owned()),
            created_at: Set(new.created_at),
            due_date: Set(new.due_date),
        };
        invoices::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map_err(db_err)?;
        let mut line_rows = Vec::with_capacity(new.lines.len());
        for (position, line) in new.lines.iter().enumerate() {
            line_rows.push(invoice_lines::ActiveModel {
                invoice_id: Set(id.to_string()),
                position: Set(i32::try_from(position)
                    .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?),
                description: Set(line.description.clone()),
                quantity: Set(line.quantity),
                unit_price_minor: Set(convert::minor(&line.unit_price)?),
                amount_minor: Set(convert::minor(&line.amount)?),
                ..Default::default()
            });
        }
        for chunk in line_rows.chunks(INSERT_CHUNK) {
            invoice_lines::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await
                .map_err(db_err)?;
        }
        Ok(Invoice {
            id,
            customer_id: new.customer_id.clone(),
            period: new.period,
            kind: new.kind,
            status: new.status,
            amount: total,
            lines: new.lines.clone(),
            created_at: new.created_at,
            due_date: new.due_date,
        })
    }
}

#[async_trait]
impl CustomerRepository for SeaOrmStore {
    async fn find(&self, id: &CustomerId) -> Result<Option<Customer>, RepositoryError> {
        customers::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::customer)
            .transpose()
    }

    async fn update(
        &self,
        id: &CustomerId,
        changes: &AccountChanges,
    ) -> Result<Option<Customer>, RepositoryError> {
        let mut row = customers::ActiveModel {
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        if let Some(v) = &changes.company_name {
            row.company_name = Set(v.clone());
        }
        if let Some(v) = &changes.contact_name {
            row.contact_name = Set(v.clone());
        }
        if let Some(v) = &changes.contact_email {
            row.contact_email = Set(v.as_str().to_owned());
        }
        let result = customers::Entity::update_many()
            .set(row)
            .filter(customers::Column::Id.eq(id.as_str()))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 0 {
            return Ok(None);
        }
        CustomerRepository::find(self, id).await
    }

    async fn upsert(
        &self,
        id: &CustomerId,
        data: &NewCustomer,
        now: DateTime<Utc>,
    ) -> Result<(Customer, bool), RepositoryError> {
        let row = customers::ActiveModel {
            id: Set(id.to_string()),
            company_name: Set(data.company_name.clone()),
            contact_name: Set(data.contact_name.clone()),
            contact_email: Set(data.contact_email.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let existed = CustomerRepository::find(self, id).await?.is_some();
        customers::Entity::insert(row)
            .on_conflict(
                OnConflict::column(customers::Column::Id)
                    .update_columns([
                        customers::Column::CompanyName,
                        customers::Column::ContactName,
                        customers::Column::ContactEmail,
                        customers::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        let customer = CustomerRepository::find(self, id)
            .await?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("upserted customer vanished")))?;
        Ok((customer, !existed))
    }
}

#[async_trait]
impl PlanCatalog for SeaOrmStore {
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError> {
        plans::Entity::find()
            .order_by_asc(plans::Column::PriceMinor)
            .order_by_asc(plans::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::plan)
            .collect()
    }

    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError> {
        plans::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::plan)
            .transpose()
    }

    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError> {
        let row = plans::ActiveModel {
            id: Set(plan.id.to_string()),
            name: Set(plan.name.clone()),
            price_minor: Set(convert::minor(&plan.price)?),
            currency: Set(plan.price.currency().code().to_owned()),
            ai_chat_quota: Set(plan.quotas.ai_chat),
            agent_seats: Set(plan.quotas.agent_seats),
            email_quota: Set(plan.quotas.email),
        };
        plans::Entity::insert(row)
            .on_conflict(
                OnConflict::column(plans::Column::Id)
                    .update_columns([
                        plans::Column::Name,
                        plans::Column::PriceMinor,
                        plans::Column::Currency,
                        plans::Column::AiChatQuota,
                        plans::Column::AgentSeats,
                        plans::Column::EmailQuota,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl SubscriptionRepository for SeaOrmStore {
    async fn current(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<Subscription>, RepositoryError> {
        subscriptions::Entity::find()
            .filter(subscriptions::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(subscriptions::Column::StartDate)
            .order_by_desc(subscriptions::Column::CreatedAt)
            .limit(1)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(convert::subscription)
            .transpose()
    }

    async fn insert_if_absent(&self, subscription: &Subscription) -> Result<bool, RepositoryError> {
        if self.current(&subscription.customer_id).await?.is_some() {
            return Ok(false);
        }
        let now = Utc::now();
        let row = subscriptions::ActiveModel {
            id: Set(subscription.id.to_string()),
            customer_id: Set(subscription.customer_id.to_string()),
            plan_id: Set(subscription.plan_id.to_string()),
            start_date: Set(subscription.start_date),
            end_date: Set(subscription.end_date),
            status: Set(subscription.status.as_str().to_owned()),
            version: Set(subscription.version),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = subscriptions::Entity::insert(row)
            .on_conflict_do_nothing_on([subscriptions::Column::Id])
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
    }

    async fn change_plan(
        &self,
        change: &PlanChangeCommit,
    ) -> Result<(Subscription, Option<Invoice>), RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // Compare-and-set first: on PostgreSQL the row lock makes a concurrent change wait
        // and then see the new version; on SQLite the first write takes the write lock.
        let updated = subscriptions::Entity::update_many()
            .col_expr(
                subscriptions::Column::PlanId,
                Expr::value(change.new_plan_id.to_string()),
            )
            .col_expr(
                subscriptions::Column::Version,
                Expr::col(subscriptions::Column::Version).add(1),
            )
            .col_expr(subscriptions::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(subscriptions::Column::Id.eq(change.subscription_id.as_str()))
            .filter(subscriptions::Column::CustomerId.eq(change.customer_id.as_str()))
            .filter(subscriptions::Column::Version.eq(change.expected_version))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if updated.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepositoryError::Conflict);
        }
        let invoice = match &change.invoice {
            Some(new) => Some(Self::insert_invoice(&txn, new).await?),
            None => None,
        };
        let row = subscriptions::Entity::find_by_id(change.subscription_id.as_str())
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                RepositoryError::Other(anyhow::anyhow!("changed subscription vanished"))
            })?;
        txn.commit().await.map_err(db_err)?;
        Ok((convert::subscription(row)?, invoice))
    }
}

#[async_trait]
impl UsageRepository for SeaOrmStore {
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError> {
        let mut query = usage_logs::Entity::find()
            .filter(usage_logs::Column::CustomerId.eq(customer.as_str()))
            .filter(usage_logs::Column::Date.gte(range.from()))
            .filter(usage_logs::Column::Date.lte(range.to()));
        if let Some(p) = product {
            query = query.filter(usage_logs::Column::Product.eq(p.as_str()));
        }
        query
            .order_by_asc(usage_logs::Column::Date)
            .order_by_asc(usage_logs::Column::Product)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::usage)
            .collect()
    }

    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError> {
        let now = Utc::now();
        let mut added = 0;
        let txn = self.db.begin().await.map_err(db_err)?;
        for chunk in records.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(|r| usage_logs::ActiveModel {
                customer_id: Set(customer.to_string()),
                date: Set(r.date),
                product: Set(r.product.as_str().to_owned()),
                count: Set(r.count),
                updated_at: Set(now),
                ..Default::default()
            });
            let result = usage_logs::Entity::insert_many(rows)
                .on_conflict_do_nothing_on([
                    usage_logs::Column::CustomerId,
                    usage_logs::Column::Date,
                    usage_logs::Column::Product,
                ])
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
            if let sea_orm::TryInsertResult::Inserted(n) = result {
                added += n;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(added)
    }
}

#[async_trait]
impl InvoiceRepository for SeaOrmStore {
    async fn list(&self, customer: &CustomerId) -> Result<Vec<InvoiceSummary>, RepositoryError> {
        invoices::Entity::find()
            .filter(invoices::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(invoices::Column::CreatedAt)
            .order_by_desc(invoices::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(convert::invoice_summary)
            .collect()
    }

    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        let Some(row) = invoices::Entity::find_by_id(id.as_str())
            .filter(invoices::Column::CustomerId.eq(customer.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let lines = Self::lines_of(&self.db, &row.id).await?;
        convert::invoice(row, lines).map(Some)
    }

    async fn issue_for_period(
        &self,
        invoice: &NewInvoice,
    ) -> Result<Option<Invoice>, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let existing = invoices::Entity::find()
            .filter(invoices::Column::CustomerId.eq(invoice.customer_id.as_str()))
            .filter(invoices::Column::Period.eq(invoice.period.to_string()))
            .filter(invoices::Column::Kind.eq(InvoiceKind::Subscription.as_str()))
            .one(&txn)
            .await
            .map_err(db_err)?;
        if existing.is_some() {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        match Self::insert_invoice(&txn, invoice).await {
            Ok(issued) => {
                txn.commit().await.map_err(db_err)?;
                Ok(Some(issued))
            }
            // A concurrent run issued it first; our number returns with the rollback.
            Err(RepositoryError::Other(e)) if is_unique_violation(&e) => {
                txn.rollback().await.map_err(db_err)?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

fn is_unique_violation(err: &anyhow::Error) -> bool {
    err.downcast_ref::<sea_orm::DbErr>()
        .and_then(sea_orm::DbErr::sql_err)
        .is_some_and(|e| matches!(e, SqlErr::UniqueConstraintViolation(_)))
}

#[async_trait]
impl HealthProbe for SeaOrmStore {
    async fn ready(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}
