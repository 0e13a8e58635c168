//! What the black-box tests (`api/`) and the benchmarks (`benches/`) share: the real
//! server on port 0 against a fresh SQLite file or PostgreSQL database ([`helpers`]).
//! The tests themselves live in `api/`.

// Test support: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod helpers;
