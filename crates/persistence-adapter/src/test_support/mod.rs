//! What tests of this workspace share (feature `test-support`): a real `redis-server`
//! (or a real three-master Redis Cluster) per test, a fresh PostgreSQL database or
//! SQLite file per test, and a PostgreSQL server of the test's own that it can stop and
//! start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)] // test support: a panic is a failed test

mod cluster;
mod postgres;
mod redis;
mod server;

pub use cluster::TestRedisCluster;
pub use postgres::{TestPg, pg_admin_url, sqlite_url};
pub use redis::{TestRedis, free_port};
pub use server::PgServer;
