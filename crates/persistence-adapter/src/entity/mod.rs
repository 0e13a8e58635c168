//! sea-orm models of the tables; private to the adapter, converted to domain types at
//! its edge and never serialised.

pub mod account_entries;
pub mod account_payments;
pub mod alert_firings;
pub mod alert_rules;
pub mod applications;
pub mod audit_log;
pub mod billing_run_items;
pub mod billing_runs;
pub mod caps;
pub mod customers;
pub mod fapiao_files;
pub mod fapiao_holds;
pub mod fapiao_profiles;
pub mod fapiao_requests;
pub mod idempotency_keys;
pub mod invoice_lines;
pub mod invoices;
pub mod notifications;
pub mod outbox;
pub mod plans;
pub mod subscriptions;
pub mod usage_events;
pub mod usage_logs;
pub mod usage_settlements;
