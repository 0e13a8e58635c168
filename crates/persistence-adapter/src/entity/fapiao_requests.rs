use sea_orm::entity::prelude::*;

/// A fapiao request: its invoices (comma-separated ids), the title and tax id as they were
/// when requested, and what finance reported.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fapiao_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub status: String,
    pub kind: String,
    pub amount_minor: i64,
    pub currency: String,
    pub invoice_ids: String,
    pub title: String,
    pub tax_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub fapiao_number: Option<String>,
    pub issued_on: Option<String>,
    pub file_type: Option<String>,
    pub reversal_reason: Option<String>,
    /// The invoices' lines per rate, JSON: `[{tax_rate, net_minor, tax_minor, amount_minor}]`.
    pub tax_breakdown: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
