//! Errors shared by the value objects: parse failures and per-field validation reports.

use std::collections::BTreeMap;

/// A value that does not have the expected textual form (a month, a product name, an id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {why}")]
pub struct ParseError {
    pub what: &'static str,
    pub why: String,
}

impl ParseError {
    pub fn new(what: &'static str, why: impl Into<String>) -> Self {
        Self {
            what,
            why: why.into(),
        }
    }
}

/// Validation failures keyed by the field they concern, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("validation failed: {}", describe(.0))]
pub struct FieldErrors(pub BTreeMap<String, String>);

fn describe(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldErrors {
    pub fn single(field: impl Into<String>, why: impl Into<String>) -> Self {
        let mut map = BTreeMap::new();
        map.insert(field.into(), why.into());
        Self(map)
    }

    pub fn add(&mut self, field: impl Into<String>, why: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| why.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was reported, the collected errors otherwise.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}
