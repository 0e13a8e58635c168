//! The in-memory [`Outbox`]: messages with their tries and leases.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::ports::RepositoryError;
use crate::ports::{DueMessage, Outbox, OutboxMessage};

/// A message as the fake keeps it.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    message: OutboxMessage,
    attempts: u32,
    /// When it is due; `None` once delivered or given up.
    due: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl Stored {
    pub(super) fn new(message: OutboxMessage) -> Self {
        Self {
            due: Some(message.created_at),
            message,
            attempts: 0,
            delivered_at: None,
            last_error: None,
        }
    }
}

impl InMemoryStore {
    /// Every message of the outbox with its tries and whether it was delivered (tests).
    pub fn outbox_messages(&self) -> Vec<(OutboxMessage, u32, bool)> {
        self.lock()
            .map(|s| {
                s.outbox
                    .iter()
                    .map(|m| (m.message.clone(), m.attempts, m.delivered_at.is_some()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn push_outbox(&self, messages: &[OutboxMessage]) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        state
            .outbox
            .extend(messages.iter().cloned().map(Stored::new));
        Ok(())
    }
}

#[async_trait]
impl Outbox for InMemoryStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<DueMessage>, RepositoryError> {
        let lease = chrono::Duration::from_std(lease).map_err(anyhow::Error::new)?;
        let mut state = self.lock()?;
        let mut due: Vec<&mut Stored> = state
            .outbox
            .iter_mut()
            .filter(|m| m.due.is_some_and(|d| d <= now))
            .collect();
        due.sort_by_key(|m| m.due);
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|m| {
                m.due = Some(now + lease);
                DueMessage {
                    message: m.message.clone(),
                    attempts: m.attempts,
                }
            })
            .collect())
    }

    async fn delivered(&self, id: &str, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        if let Some(m) = state.outbox.iter_mut().find(|m| m.message.id == id) {
            m.attempts += 1;
            m.due = None;
            m.delivered_at = Some(at);
        }
        Ok(())
    }

    async fn failed(
        &self,
        id: &str,
        attempts: u32,
        next: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        if let Some(m) = state.outbox.iter_mut().find(|m| m.message.id == id) {
            m.attempts = attempts;
            m.due = next;
            m.last_error = Some(error.to_owned());
        }
        Ok(())
    }
}
