use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub period: String,
    pub kind: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: DateTimeUtc,
    pub due_date: Date,
    pub document: String,
    pub amount_paid_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
