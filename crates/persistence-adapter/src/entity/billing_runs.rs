use sea_orm::entity::prelude::*;

/// A billing run: its progress and the lease of the process driving it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub period: String,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub created: i64,
    pub skipped: i64,
    pub cursor: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub invoices_overdue: i64,
    pub subscriptions_expired: i64,
    pub keys_purged: i64,
    pub error: Option<String>,
    pub started_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
