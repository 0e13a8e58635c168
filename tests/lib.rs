//! Black-box tests of the portal live in `api/`: they start the real server on port 0
//! against a fresh SQLite file or a fresh PostgreSQL database per test.
