//! The persistence adapter: sea-orm repositories implementing the billing service's
//! ports on PostgreSQL or SQLite (chosen by the URL), one migration set for both.

mod convert;
mod entity;
mod store;

pub use store::{ConnectError, SeaOrmStore};
