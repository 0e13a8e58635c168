use sea_orm::entity::prelude::*;

/// The pending or issued request that holds an invoice (one per invoice).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fapiao_holds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invoice_id: String,
    pub request_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
