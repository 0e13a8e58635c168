use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub invoice_id: String,
    pub position: i32,
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub amount_minor: i64,
    /// `fee`, `reversal`, `overage`, `adjustment` or `legacy` (a line of the previous
    /// version, text only).
    pub kind: String,
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    /// The period the line's days belong to (for legacy lines, its invoice's).
    pub period: Option<String>,
    pub from_date: Option<Date>,
    pub to_date: Option<Date>,
    pub days: Option<i32>,
    pub days_in_month: Option<i32>,
    /// Usage lines (`overage`, `adjustment`): the product, the month's usage and what
    /// its plan segments include when the line was issued.
    pub product: Option<String>,
    pub used: Option<i64>,
    pub included: Option<i64>,
    /// The line's VAT rate (a decimal string, `0.06`) and its amount split into net and
    /// tax; the two add up to `amount_minor`.
    pub tax_rate: String,
    pub net_amount_minor: i64,
    pub tax_amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
