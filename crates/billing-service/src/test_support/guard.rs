//! The in-memory [`GuardRepository`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use portal_domain::guard::{AlertRule, Cap};
use portal_domain::{AuditEntry, CustomerId, Month};

use super::InMemoryStore;
use crate::ports::RepositoryError;
use crate::ports::{GuardRepository, Notification};

#[async_trait]
impl GuardRepository for InMemoryStore {
    async fn alert_rules(&self, customer: &CustomerId) -> Result<Vec<AlertRule>, RepositoryError> {
        Ok(self
            .lock()?
            .rules
            .get(customer)
            .cloned()
            .unwrap_or_default())
    }

    async fn rules_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<BTreeMap<CustomerId, Vec<AlertRule>>, RepositoryError> {
        let state = self.lock()?;
        Ok(customers
            .iter()
            .filter_map(|c| {
                let rules = state.rules.get(c).filter(|r| !r.is_empty())?;
                Some((c.clone(), rules.clone()))
            })
            .collect())
    }

    async fn set_alert_rules(
        &self,
        customer: &CustomerId,
        rules: &[AlertRule],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        state.rules.insert(customer.clone(), rules.to_vec());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn caps(&self, customer: &CustomerId) -> Result<Vec<Cap>, RepositoryError> {
        Ok(self.lock()?.caps.get(customer).cloned().unwrap_or_default())
    }

    async fn set_caps(
        &self,
        customer: &CustomerId,
        caps: &[Cap],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        state.caps.insert(customer.clone(), caps.to_vec());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn fire(
        &self,
        customer: &CustomerId,
        month: Month,
        rule_key: &str,
        notification: Option<&Notification>,
        outbox: &[crate::ports::OutboxMessage],
    ) -> Result<bool, RepositoryError> {
        {
            let mut state = self.lock()?;
            if !state
                .firings
                .insert((customer.clone(), month, rule_key.to_owned()))
            {
                return Ok(false);
            }
            if let Some(n) = notification {
                state.notifications.push(n.clone());
            }
        }
        self.push_outbox(outbox)?;
        Ok(true)
    }

    async fn notifications(
        &self,
        customer: &CustomerId,
        limit: u32,
    ) -> Result<(u64, Vec<Notification>), RepositoryError> {
        let state = self.lock()?;
        let mine: Vec<&Notification> = state
            .notifications
            .iter()
            .filter(|n| &n.customer_id == customer)
            .collect();
        let unread = mine.iter().filter(|n| !n.read).count() as u64;
        let mut listed: Vec<Notification> = mine.into_iter().cloned().collect();
        listed.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        listed.truncate(limit as usize);
        Ok((unread, listed))
    }

    async fn mark_read(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Notification>, RepositoryError> {
        let mut state = self.lock()?;
        Ok(state
            .notifications
            .iter_mut()
            .find(|n| &n.customer_id == customer && n.id == id)
            .map(|n| {
                n.read = true;
                n.clone()
            }))
    }

    async fn mark_all_read(&self, customer: &CustomerId) -> Result<u64, RepositoryError> {
        let mut state = self.lock()?;
        let mut marked = 0;
        for n in state
            .notifications
            .iter_mut()
            .filter(|n| &n.customer_id == customer && !n.read)
        {
            n.read = true;
            marked += 1;
        }
        Ok(marked)
    }
}
