use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub plan_id: String,
    pub start_date: Date,
    pub end_date: Date,
    pub status: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The timeline as JSON: `[{plan_id, from, to}]`, oldest first. `plan_id`,
    /// `start_date` and `end_date` repeat its last plan and its bounds for SQL readers.
    pub segments: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
