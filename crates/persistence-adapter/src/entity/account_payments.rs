use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub entry_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub method: String,
    pub paid_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub invoice_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
