//! The fapiao port: requests as stored, the status changes it makes atomically, and the
//! repository's promises.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{
    AuditEntry, CustomerId, DocumentTax, FapiaoKind, FapiaoProfile, FapiaoRequestStatus, InvoiceId,
    Issuance, Money,
};

use super::OutboxMessage;
use super::RepositoryError;

/// The most invoices one request may cover.
pub const MAX_INVOICES_PER_REQUEST: usize = 50;

/// A request as stored: its invoices, the title and tax id as they were when requested,
/// and what finance reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FapiaoRequest {
    pub id: String,
    pub customer_id: CustomerId,
    pub status: FapiaoRequestStatus,
    pub kind: FapiaoKind,
    pub amount: Money,
    /// The invoices' net and tax amounts and their breakdown per rate (§14), as when
    /// requested.
    pub tax: DocumentTax,
    pub invoice_ids: Vec<InvoiceId>,
    pub title: String,
    pub tax_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub issuance: Option<Issuance>,
    pub reversal_reason: Option<String>,
}

/// An issued fapiao's file, for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FapiaoFile {
    pub issuance: Issuance,
    pub bytes: Vec<u8>,
}

/// A change of a request's status, stored with what it brings.
pub struct FapiaoTransition<'a> {
    /// The request as it is after the change.
    pub request: &'a FapiaoRequest,
    /// The status it must still have: otherwise nothing is stored.
    pub from: FapiaoRequestStatus,
    /// The issued file.
    pub file: Option<&'a [u8]>,
    pub audit: &'a AuditEntry,
    pub outbox: &'a [OutboxMessage],
    /// The customer's notification of the change (an issued fapiao).
    pub notification: Option<&'a super::Notification>,
}

/// Profiles, requests, the invoices they hold and the issued files.
#[async_trait]
pub trait FapiaoRepository: Send + Sync {
    async fn profile(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<FapiaoProfile>, RepositoryError>;

    /// Replaces the customer's profile and records `audit`, in one transaction.
    async fn set_profile(
        &self,
        customer: &CustomerId,
        profile: &FapiaoProfile,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    /// Stores a pending request holding its invoices, with `audit`, in one transaction.
    /// MUST return [`RepositoryError::Conflict`] and store nothing when one of its invoices
    /// is held by another pending or issued request (concurrent requests for one invoice:
    /// exactly one wins).
    async fn create_request(
        &self,
        request: &FapiaoRequest,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError>;

    /// The customer's requests, newest first.
    async fn requests(&self, customer: &CustomerId) -> Result<Vec<FapiaoRequest>, RepositoryError>;

    /// The request, of `customer` when given (any customer's for the platform).
    async fn request(
        &self,
        customer: Option<&CustomerId>,
        id: &str,
    ) -> Result<Option<FapiaoRequest>, RepositoryError>;

    /// Every customer's requests of `status`, oldest first.
    async fn requests_in(
        &self,
        status: FapiaoRequestStatus,
    ) -> Result<Vec<FapiaoRequest>, RepositoryError>;

    /// Stores the request's new status (and issuance, reversal reason, file), releases
    /// its invoices when the new status holds none, records the audit entry and writes
    /// the outbox messages, in one transaction. MUST return [`RepositoryError::Conflict`]
    /// and store nothing when the stored status is not `from`.
    async fn transition(&self, change: FapiaoTransition<'_>) -> Result<(), RepositoryError>;

    /// The issued file of the customer's request.
    async fn file(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Vec<u8>>, RepositoryError>;

    /// The status of the request holding each of `invoices` that one holds.
    async fn holders(
        &self,
        customer: &CustomerId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FapiaoRequestStatus>, RepositoryError>;
}
