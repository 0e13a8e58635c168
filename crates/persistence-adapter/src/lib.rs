//! The persistence adapter: sea-orm repositories implementing the billing service's
//! ports on PostgreSQL or SQLite (chosen by the URL), one migration set for both.

pub mod cache;
mod convert;
mod entity;
mod store;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use cache::{CachedStore, KeyValue, MemoryCache, RedisCache, RedisChangeFeed};
pub use store::{ConnectError, SeaOrmStore};
