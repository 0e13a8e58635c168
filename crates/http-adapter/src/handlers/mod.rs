//! Handlers: each parses its input, calls one use case, and maps the answer.

pub mod account;
pub mod app;
pub mod billing;
pub mod costs;
pub mod entitlements;
pub mod exports;
pub mod fapiao;
pub mod guard;
pub mod health;
pub mod ids;
pub mod internal;
pub mod invoices;
pub mod lang;
pub mod paging;
pub mod plans;
pub mod receivables;
pub mod runs;
pub mod session;
pub mod usage;
