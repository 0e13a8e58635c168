//! The in-memory [`FapiaoRepository`].

use std::collections::HashMap;

use async_trait::async_trait;
use portal_domain::{AuditEntry, CustomerId, FapiaoProfile, FapiaoRequestStatus, InvoiceId};

use super::InMemoryStore;
use crate::ports::RepositoryError;
use crate::ports::{FapiaoRepository, FapiaoRequest, FapiaoTransition};

/// The fakes' fapiao state.
#[derive(Default)]
pub(super) struct FapiaoState {
    profiles: HashMap<CustomerId, FapiaoProfile>,
    requests: Vec<FapiaoRequest>,
    /// Which request holds each invoice.
    holds: HashMap<InvoiceId, String>,
    files: HashMap<String, Vec<u8>>,
}

#[async_trait]
impl FapiaoRepository for InMemoryStore {
    async fn profile(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<FapiaoProfile>, RepositoryError> {
        Ok(self.lock()?.fapiao.profiles.get(customer).cloned())
    }

    async fn set_profile(
        &self,
        customer: &CustomerId,
        profile: &FapiaoProfile,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        state
            .fapiao
            .profiles
            .insert(customer.clone(), profile.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn create_request(
        &self,
        request: &FapiaoRequest,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let mut state = self.lock()?;
        let fapiao = &mut state.fapiao;
        if request
            .invoice_ids
            .iter()
            .any(|id| fapiao.holds.contains_key(id))
        {
            return Err(RepositoryError::Conflict);
        }
        for id in &request.invoice_ids {
            fapiao.holds.insert(id.clone(), request.id.clone());
        }
        fapiao.requests.push(request.clone());
        state.audit.push(audit.clone());
        Ok(())
    }

    async fn requests(&self, customer: &CustomerId) -> Result<Vec<FapiaoRequest>, RepositoryError> {
        let state = self.lock()?;
        let mut mine: Vec<FapiaoRequest> = state
            .fapiao
            .requests
            .iter()
            .filter(|r| &r.customer_id == customer)
            .cloned()
            .collect();
        mine.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(mine)
    }

    async fn request(
        &self,
        customer: Option<&CustomerId>,
        id: &str,
    ) -> Result<Option<FapiaoRequest>, RepositoryError> {
        let state = self.lock()?;
        Ok(state
            .fapiao
            .requests
            .iter()
            .find(|r| r.id == id && customer.is_none_or(|c| &r.customer_id == c))
            .cloned())
    }

    async fn requests_in(
        &self,
        status: FapiaoRequestStatus,
    ) -> Result<Vec<FapiaoRequest>, RepositoryError> {
        let state = self.lock()?;
        let mut found: Vec<FapiaoRequest> = state
            .fapiao
            .requests
            .iter()
            .filter(|r| r.status == status)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    async fn transition(&self, change: FapiaoTransition<'_>) -> Result<(), RepositoryError> {
        let mut guard = self.lock()?;
        let state = &mut *guard;
        let request = change.request;
        let Some(stored) = state
            .fapiao
            .requests
            .iter_mut()
            .find(|r| r.id == request.id)
        else {
            return Err(RepositoryError::Conflict);
        };
        if stored.status != change.from {
            return Err(RepositoryError::Conflict);
        }
        *stored = request.clone();
        if !request.status.holds_invoices() {
            state.fapiao.holds.retain(|_, holder| *holder != request.id);
        }
        if let Some(file) = change.file {
            state.fapiao.files.insert(request.id.clone(), file.to_vec());
        }
        state.audit.push(change.audit.clone());
        state.outbox.extend(
            change
                .outbox
                .iter()
                .cloned()
                .map(super::outbox::Stored::new),
        );
        Ok(())
    }

    async fn file(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Vec<u8>>, RepositoryError> {
        let state = self.lock()?;
        let mine = state
            .fapiao
            .requests
            .iter()
            .any(|r| r.id == id && &r.customer_id == customer);
        Ok(mine.then(|| state.fapiao.files.get(id).cloned()).flatten())
    }

    async fn holders(
        &self,
        customer: &CustomerId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FapiaoRequestStatus>, RepositoryError> {
        let state = self.lock()?;
        let fapiao = &state.fapiao;
        Ok(invoices
            .iter()
            .filter_map(|id| {
                let holder = fapiao.holds.get(id)?;
                let request = fapiao
                    .requests
                    .iter()
                    .find(|r| &r.id == holder && &r.customer_id == customer)?;
                Some((id.clone(), request.status))
            })
            .collect())
    }
}
