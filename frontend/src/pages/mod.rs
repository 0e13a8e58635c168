//! One module per screen of the app.

pub mod account;
pub mod alerts;
pub mod costs;
pub mod credit_notes;
pub mod fapiao;
pub mod history;
pub mod invoices;
pub mod overview;
pub mod plans;
pub mod statement;
pub mod usage;
