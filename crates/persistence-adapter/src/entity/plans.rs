use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// Its English name; empty: the same as `name`.
    pub name_en: String,
    pub price_minor: i64,
    pub currency: String,
    pub ai_chat_quota: i64,
    pub agent_seats: i64,
    pub email_quota: i64,
    pub overage_ai_chat_minor: i64,
    pub overage_email_minor: i64,
    pub overage_agent_seats_minor: i64,
    /// The VAT rate its prices include, a decimal string (`0.06`).
    pub tax_rate: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
