//! Receivables (contract §15): what a customer owes. This is the rules' pure part: the
//! remittance code a bank transfer names (汇款识别码), how credit is applied to open
//! invoices (earliest due first), when an invoice is overdue, and when a reminder (催缴)
//! is due, and the account those rules keep (its entries, what credit settles, the
//! balance and the equation it keeps).

pub mod account;
pub mod application;
pub mod dunning;
pub mod remittance;
pub mod statement;

pub use account::{
    AppliedCredit, Balance, CreditSource, EntryKind, OpenCredit, Settlement, settle,
};
pub use application::{Application, OpenInvoice, apply_credit};
pub use dunning::{Reminder, is_overdue, latest_reminder, reminder_on, suspends};
pub use remittance::{RemittanceCode, RemittanceCodeError};
pub use statement::{
    LedgerEntry, MAX_STATEMENT_MONTHS, Statement, StatementEntry, statement_range,
};
