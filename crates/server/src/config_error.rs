//! A bad or missing setting: the variable it names and why.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {why}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub why: String,
}

impl ConfigError {
    pub(crate) fn new(variable: &'static str, why: impl Into<String>) -> Self {
        Self {
            variable,
            why: why.into(),
        }
    }
}
