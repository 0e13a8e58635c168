//! End-to-end tests of the contract (../shared/CONTRACT.md §1–§4, §7) on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

pub use portal_tests::{helpers, on_both_databases};

mod account;
mod auth;
mod billing_model;
mod billing_runs;
mod bodies;
mod costs;
mod db_faults;
mod delivery;
mod exports;
mod fapiao;
mod hardening;
mod health;
mod invoices;
mod language;
mod limits;
mod listeners;
mod migration;
mod money;
mod notices;
mod operations;
mod overage;
mod pagination;
mod pdf;
mod plan_changes;
mod receivables;
mod receivables_migration;
mod session;
mod simulation;
mod spend_guard;
mod statement;
mod subscription;
mod suspension;
mod tax;
mod tax_migration;
mod tokens;
mod usage;
mod usage_billing;
