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
use std::collections::HashSet;

use chrono::NaiveDate;
use portal_billing::{
    Actor, AuditRepository, CustomerRepository, HealthProbe, IdempotencyRepository,
    InvoiceRepository, KeyClaim, PlanCatalog, RepositoryError, SubscriptionRepository,
    UsageRepository,
};
use portal_domain::billing_ops::daily_deltas;
use portal_domain::invoice::invoice_number;
use portal_domain::product::Metering;
use portal_domain::{
    AccountChanges, AuditEntry, Customer, CustomerId, DateRange, Invoice, InvoiceId, InvoiceStatus,
    InvoiceSummary, NewCustomer, NewInvoice, Payment, Plan, PlanId, Product, Subscription,
    SubscriptionStatus, UsageEvent, UsageRecord, account_audit,
};
use portal_migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, SqlErr,
    TransactionTrait,
};

use crate::convert::{self, db_err};
use crate::entity::{
    audit_log, customers, idempotency_keys, invoice_lines, invoices, payments, plans,
    subscriptions, usage_events, usage_logs,
};

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
    pub(crate) async fn insert_invoice(
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
            .map_err(|e| match e.sql_err() {
                // A period's first invoice exists already (the partial unique index).
                Some(SqlErr::UniqueConstraintViolation(_)) => RepositoryError::Conflict,
                _ => db_err(e),
            })?;
        let line_rows = new
            .lines
            .iter()
            .enumerate()
            .map(|(position, line)| convert::invoice_line_row(id.as_str(), position, line))
            .collect::<Result<Vec<_>, _>>()?;
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
            payments: Vec::new(),
        })
    }

    async fn payments_of(
        db: &impl ConnectionTrait,
        invoice_id: &str,
    ) -> Result<Vec<payments::Model>, RepositoryError> {
        payments::Entity::find()
            .filter(payments::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(payments::Column::Id)
            .all(db)
            .await
            .map_err(db_err)
    }

    /// The invoice `id` with its lines and payments, scoped to `customer` when given.
    pub(crate) async fn load_invoice(
        db: &impl ConnectionTrait,
        id: &InvoiceId,
        customer: Option<&CustomerId>,
    ) -> Result<Option<Invoice>, RepositoryError> {
        let mut query = invoices::Entity::find_by_id(id.as_str());
        if let Some(customer) = customer {
            query = query.filter(invoices::Column::CustomerId.eq(customer.as_str()));
        }
        let Some(row) = query.one(db).await.map_err(db_err)? else {
            return Ok(None);
        };
        let lines = Self::lines_of(db, &row.id).await?;
        let payments = Self::payments_of(db, &row.id).await?;
        convert::invoice(row, lines, payments).map(Some)
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
        expected_version: Option<i64>,
        actor: &Actor,
    ) -> Result<Option<Customer>, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let Some(row) = customers::Entity::find_by_id(id.as_str())
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let before = convert::customer(row)?;
        if expected_version.is_some_and(|v| v != before.version) {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepositoryError::Conflict);
        }
        let after = changes.apply_to(&before);
        // Compare-and-set on the version read: a concurrent edit makes this one conflict
        // instead of silently reverting it.
        let updated = customers::Entity::update_many()
            .col_expr(
                customers::Column::CompanyName,
                Expr::value(after.company_name.clone()),
            )
            .col_expr(
                customers::Column::ContactName,
                Expr::value(after.contact_name.clone()),
            )
            .col_expr(
                customers::Column::ContactEmail,
                Expr::value(after.contact_email.as_str().to_owned()),
            )
            .col_expr(customers::Column::UpdatedAt, Expr::value(actor.at))
            .col_expr(customers::Column::Version, Expr::value(after.version))
            .filter(customers::Column::Id.eq(id.as_str()))
            .filter(customers::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if updated.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepositoryError::Conflict);
        }
        let audit = account_audit(&before, &after, &actor.user_id, actor.at);
        audit_log::Entity::insert(convert::audit_row(&audit)?)
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(Some(after))
    }

    async fn existing(&self, ids: &[CustomerId]) -> Result<HashSet<CustomerId>, RepositoryError> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(INSERT_CHUNK) {
            let rows = customers::Entity::find()
                .select_only()
                .column(customers::Column::Id)
                .filter(customers::Column::Id.is_in(chunk.iter().map(|c| c.as_str())))
                .into_tuple::<String>()
                .all(&self.db)
                .await
                .map_err(db_err)?;
            found.extend(rows.iter().filter_map(|id| CustomerId::parse(id).ok()));
        }
        Ok(found)
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
            version: Set(1),
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
                    .value(
                        customers::Column::Version,
                        Expr::col((customers::Entity, customers::Column::Version)).add(1),
                    )
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
        let row = convert::subscription_row(subscription, subscription.version, Utc::now())?;
        let inserted = subscriptions::Entity::insert(row)
            .on_conflict_do_nothing_on([subscriptions::Column::Id])
            .exec_without_returning(&self.db)
            .await
            .map_err(db_err)?;
        Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0))
    }

    async fn expire_ended(&self, today: NaiveDate) -> Result<u64, RepositoryError> {
        let result = subscriptions::Entity::update_many()
            .col_expr(
                subscriptions::Column::Status,
                Expr::value(SubscriptionStatus::Expired.as_str()),
            )
            .col_expr(
                subscriptions::Column::Version,
                Expr::col(subscriptions::Column::Version).add(1),
            )
            .col_expr(subscriptions::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(subscriptions::Column::Status.eq(SubscriptionStatus::Active.as_str()))
            .filter(subscriptions::Column::EndDate.lt(today))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected)
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

    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // 1. Record the ids; the primary key lets each through once, ever. Concurrent
        //    replays of an id wait on its index entry and then skip it.
        let mut fresh_ids = HashSet::new();
        for chunk in events.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(|e| usage_events::ActiveModel {
                event_id: Set(e.event_id.clone()),
                customer_id: Set(e.customer_id.to_string()),
                product: Set(e.product.as_str().to_owned()),
                count: Set(e.count),
                occurred_at: Set(e.occurred_at),
                received_at: Set(received_at),
            });
            let stmt = usage_events::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::column(usage_events::Column::EventId)
                        .do_nothing()
                        .to_owned(),
                )
                .into_query()
                .returning_col(usage_events::Column::EventId)
                .to_owned();
            for row in txn.query_all(&stmt).await.map_err(db_err)? {
                let id: String = row.try_get("", "event_id").map_err(db_err)?;
                fresh_ids.insert(id);
            }
        }
        let fresh: Vec<UsageEvent> = events
            .iter()
            .filter(|e| fresh_ids.contains(&e.event_id))
            .cloned()
            .collect();
        // 2. Move the daily values: counted products add, the seat gauge keeps the max.
        let deltas = daily_deltas(&fresh);
        for metering in [Metering::Counted, Metering::Gauge] {
            let rows: Vec<usage_logs::ActiveModel> = deltas
                .iter()
                .filter(|((_, _, product), _)| product.metering() == metering)
                .map(
                    |((customer, date, product), value)| usage_logs::ActiveModel {
                        customer_id: Set(customer.to_string()),
                        date: Set(*date),
                        product: Set(product.as_str().to_owned()),
                        count: Set(*value),
                        updated_at: Set(received_at),
                        ..Default::default()
                    },
                )
                .collect();
            let merged = match metering {
                Metering::Counted => "usage_logs.count + excluded.count",
                Metering::Gauge => {
                    "CASE WHEN excluded.count > usage_logs.count THEN excluded.count ELSE usage_logs.count END"
                }
            };
            for chunk in rows.chunks(INSERT_CHUNK) {
                usage_logs::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::columns([
                            usage_logs::Column::CustomerId,
                            usage_logs::Column::Date,
                            usage_logs::Column::Product,
                        ])
                        .value(usage_logs::Column::Count, Expr::cust(merged))
                        .value(
                            usage_logs::Column::UpdatedAt,
                            Expr::cust("excluded.updated_at"),
                        )
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await
                    .map_err(db_err)?;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(fresh.len() as u64)
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
        Self::load_invoice(&self.db, id, Some(customer)).await
    }

    async fn mark_overdue(&self, today: NaiveDate) -> Result<u64, RepositoryError> {
        let result = invoices::Entity::update_many()
            .col_expr(
                invoices::Column::Status,
                Expr::value(InvoiceStatus::Overdue.as_str()),
            )
            .filter(invoices::Column::Status.eq(InvoiceStatus::Pending.as_str()))
            .filter(invoices::Column::DueDate.lt(today))
            // A credit (a negative adjustment) is owed to the customer: never overdue.
            .filter(invoices::Column::AmountMinor.gt(0))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected)
    }

    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError> {
        Self::load_invoice(&self.db, id, None).await
    }

    async fn record_payment(
        &self,
        id: &InvoiceId,
        payment: &Payment,
        audit: &AuditEntry,
    ) -> Result<Invoice, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let updated = invoices::Entity::update_many()
            .col_expr(
                invoices::Column::Status,
                Expr::value(InvoiceStatus::Paid.as_str()),
            )
            .filter(invoices::Column::Id.eq(id.as_str()))
            .filter(invoices::Column::Status.ne(InvoiceStatus::Paid.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if updated.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Err(RepositoryError::Conflict);
        }
        payments::Entity::insert(payments::ActiveModel {
            invoice_id: Set(id.to_string()),
            amount_minor: Set(convert::minor(&payment.amount)?),
            currency: Set(payment.amount.currency().code().to_owned()),
            reference: Set(payment.reference.clone()),
            paid_at: Set(payment.paid_at),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        audit_log::Entity::insert(convert::audit_row(audit)?)
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        let paid = Self::load_invoice(&txn, id, None)
            .await?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("paid invoice vanished")))?;
        txn.commit().await.map_err(db_err)?;
        Ok(paid)
    }
}

#[async_trait]
impl AuditRepository for SeaOrmStore {
    async fn list(
        &self,
        customer: &CustomerId,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, RepositoryError> {
        audit_log::Entity::find()
            .filter(audit_log::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(audit_log::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::audit_entry)
            .collect()
    }
}

#[async_trait]
impl IdempotencyRepository for SeaOrmStore {
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
            customer_id: Set(customer.to_string()),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            response: Set(None),
            created_at: Set(now),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err)?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            return Ok(KeyClaim::Claimed);
        }
        let row = idempotency_keys::Entity::find_by_id((customer.to_string(), key.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("idempotency key vanished")))?;
        match row.response {
            Some(response) => Ok(KeyClaim::Completed {
                fingerprint: row.fingerprint,
                response: response.into_bytes(),
            }),
            None if now - row.created_at > portal_billing::ports::STALE_CLAIM
                && row.fingerprint == fingerprint =>
            {
                // Take over an abandoned claim, unless another retry did first.
                let taken = idempotency_keys::Entity::update_many()
                    .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
                    .filter(idempotency_keys::Column::CustomerId.eq(customer.as_str()))
                    .filter(idempotency_keys::Column::Key.eq(key))
                    .filter(idempotency_keys::Column::CreatedAt.eq(row.created_at))
                    .filter(idempotency_keys::Column::Response.is_null())
                    .exec(&self.db)
                    .await
                    .map_err(db_err)?;
                Ok(if taken.rows_affected == 1 {
                    KeyClaim::Claimed
                } else {
                    KeyClaim::InProgress {
                        fingerprint: row.fingerprint,
                    }
                })
            }
            None => Ok(KeyClaim::InProgress {
                fingerprint: row.fingerprint,
            }),
        }
    }

    async fn complete(
        &self,
        customer: &CustomerId,
        key: &str,
        response: &[u8],
    ) -> Result<(), RepositoryError> {
        let text = String::from_utf8(response.to_vec())
            .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
        idempotency_keys::Entity::update_many()
            .col_expr(idempotency_keys::Column::Response, Expr::value(Some(text)))
            .filter(idempotency_keys::Column::CustomerId.eq(customer.as_str()))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn release(&self, customer: &CustomerId, key: &str) -> Result<(), RepositoryError> {
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CustomerId.eq(customer.as_str()))
            .filter(idempotency_keys::Column::Key.eq(key))
            .filter(idempotency_keys::Column::Response.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError> {
        let deleted = idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreatedAt.lt(cutoff))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(deleted.rows_affected)
    }
}

#[async_trait]
impl HealthProbe for SeaOrmStore {
    async fn ready(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}
