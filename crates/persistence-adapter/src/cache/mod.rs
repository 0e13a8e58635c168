//! The cache: the platform's Redis keys (contract §5) kept current by dual writes, and
//! read-through reads, behind the same ports as the database ([`CachedStore`]).
//! PostgreSQL stays the source of truth: a failing cache never fails a request.

pub mod changes;
mod flight;
mod keys;
mod kv;
mod ledger;
mod parsed;
mod receivables;
mod records;
mod store;

pub use changes::RedisChangeFeed;
pub use kv::{KeyValue, MemoryCache, RedisCache};
pub use store::CachedStore;
