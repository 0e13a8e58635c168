//! What a storage adapter can fail with.

/// What a storage adapter can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// An optimistic-concurrency check failed: the record changed since it was read.
    #[error("the record was changed concurrently")]
    Conflict,
    /// The store cannot be reached.
    #[error("the store is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}
