//! Fapiao (发票管理, contract §12): the profile a fapiao is made out to, customers'
//! requests for their paid invoices (one holding request per invoice), and finance's
//! issuance and reversal (红冲) through the internal API (`finance.rs`), each step audited.

mod finance;

use std::collections::BTreeSet;
use std::sync::Arc;

use portal_domain::fapiao::validate_profile;
use portal_domain::{
    AuditAction, AuditEntry, CustomerId, DocumentTax, FapiaoKind, FapiaoProfile, FapiaoRequestId,
    FapiaoRequestStatus, FieldErrors, Invoice, InvoiceId, InvoiceStatus, Money, RawFapiaoProfile,
    UserId,
};
use tracing::instrument;

use crate::events::Events;
use crate::ports::{
    FapiaoFile, FapiaoRepository, FapiaoRequest, FapiaoTransition, InvoiceRepository,
    MAX_INVOICES_PER_REQUEST, Notification, OutboxMessage, RepositoryError,
};
use crate::principal::Principal;
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What a fapiao use case can end in.
    FapiaoError,
    conflict: "the fapiao request was changed by another request; reload it and try again"
);

/// The customer's fapiao profile and requests, and finance's side of them.
pub struct Fapiao {
    pub(crate) fapiao: Arc<dyn FapiaoRepository>,
    pub(crate) invoices: Arc<dyn InvoiceRepository>,
    pub(crate) events: Events,
    pub(crate) time: BusinessTime,
}

impl Fapiao {
    fn fapiao_audit(
        &self,
        customer: &CustomerId,
        (user, user_name): (&UserId, Option<&String>),
        action: AuditAction,
        request: Option<&FapiaoRequest>,
    ) -> AuditEntry {
        let after = request
            .map(|r| {
                [
                    ("request_id".to_owned(), r.id.clone()),
                    ("status".to_owned(), r.status.as_str().to_owned()),
                    ("kind".to_owned(), r.kind.as_str().to_owned()),
                    ("amount".to_owned(), r.amount.amount().to_string()),
                    (
                        "invoice_ids".to_owned(),
                        r.invoice_ids
                            .iter()
                            .map(InvoiceId::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                ]
                .into_iter()
                .chain(
                    r.issuance
                        .as_ref()
                        .map(|i| ("fapiao_number".to_owned(), i.fapiao_number.to_string())),
                )
                .collect()
            })
            .unwrap_or_default();
        AuditEntry {
            customer_id: customer.clone(),
            user_id: user.clone(),
            user_name: user_name.cloned(),
            at: self.time.now(),
            action,
            before: Default::default(),
            after,
        }
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn fapiao_profile(
        &self,
        principal: &Principal,
    ) -> Result<FapiaoProfile, FapiaoError> {
        self.fapiao
            .profile(&principal.customer_id)
            .await?
            .ok_or(FapiaoError::NotFound("fapiao profile"))
    }

    /// Replaces the profile (admin); every bad field is named and nothing changes.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn set_fapiao_profile(
        &self,
        principal: &Principal,
        raw: &RawFapiaoProfile,
    ) -> Result<FapiaoProfile, FapiaoError> {
        principal.require_admin("change the fapiao profile")?;
        let profile = validate_profile(raw)?;
        let mut audit = self.fapiao_audit(
            &principal.customer_id,
            (&principal.user_id, principal.name.as_ref()),
            AuditAction::FapiaoProfileUpdated,
            None,
        );
        audit.after = [
            ("title_type", profile.title_type.as_str().to_owned()),
            ("title", profile.title.clone()),
            (
                "tax_id",
                profile
                    .tax_id
                    .as_ref()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        self.fapiao
            .set_profile(&principal.customer_id, &profile, &audit)
            .await?;
        Ok(profile)
    }

    /// Requests a fapiao for paid invoices of the customer (admin).
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn request_fapiao(
        &self,
        principal: &Principal,
        invoice_ids: &[String],
        kind: &str,
    ) -> Result<FapiaoRequest, FapiaoError> {
        principal.require_admin("request a fapiao")?;
        let customer = &principal.customer_id;
        let mut errors = FieldErrors::default();
        let kind = FapiaoKind::parse(kind);
        if kind.is_none() {
            errors.add("kind", "must be normal or special");
        }
        let unique: BTreeSet<&String> = invoice_ids.iter().collect();
        if invoice_ids.is_empty() || invoice_ids.len() > MAX_INVOICES_PER_REQUEST {
            errors.add(
                "invoice_ids",
                format!("must list 1 to {MAX_INVOICES_PER_REQUEST} invoices"),
            );
        } else if unique.len() != invoice_ids.len() {
            errors.add("invoice_ids", "lists an invoice twice");
        }
        errors.into_result()?;
        let Some(kind) = kind else {
            return Err(FapiaoError::Internal(anyhow::anyhow!("kind checked above")));
        };
        let profile = self.fapiao.profile(customer).await?.ok_or_else(|| {
            FieldErrors::single(
                "profile",
                "set the fapiao profile before requesting a fapiao",
            )
        })?;
        kind.check_profile(&profile)?;
        let mut invoices = Vec::with_capacity(invoice_ids.len());
        for raw in invoice_ids {
            let invoice = match InvoiceId::parse(raw) {
                Ok(id) => self.invoices.find(customer, &id).await?,
                Err(_) => None,
            }
            .ok_or(FapiaoError::NotFound("invoice"))?;
            if invoice.status != InvoiceStatus::Paid {
                return Err(FapiaoError::Conflict(format!(
                    "invoice {} is {}: a fapiao is issued for paid invoices only",
                    invoice.id,
                    invoice.status.as_str()
                )));
            }
            invoices.push(invoice);
        }
        let currency = invoices
            .first()
            .map(|i| i.amount.currency())
            .ok_or(FapiaoError::NotFound("invoice"))?;
        let amount = Money::sum(currency, invoices.iter().map(|i| &i.amount))?;
        let taxes = invoices
            .iter()
            .map(Invoice::tax)
            .collect::<Result<Vec<_>, _>>()?;
        let tax = DocumentTax::combined(currency, &taxes)?;
        let request = FapiaoRequest {
            id: format!("fpq_{}", uuid::Uuid::new_v4().simple()),
            customer_id: customer.clone(),
            status: FapiaoRequestStatus::Pending,
            kind,
            amount,
            tax,
            invoice_ids: invoices.iter().map(|i| i.id.clone()).collect(),
            title: profile.title.clone(),
            tax_id: profile.tax_id.as_ref().map(|t| t.to_string()),
            created_at: self.time.now(),
            issuance: None,
            reversal_reason: None,
        };
        let audit = self.fapiao_audit(
            customer,
            (&principal.user_id, principal.name.as_ref()),
            AuditAction::FapiaoRequested,
            Some(&request),
        );
        match self.fapiao.create_request(&request, &audit).await {
            Ok(()) => Ok(request),
            Err(RepositoryError::Conflict) => Err(FapiaoError::Conflict(
                "an invoice of this request is already in a pending or issued fapiao request"
                    .into(),
            )),
            Err(other) => Err(other.into()),
        }
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn fapiao_requests(
        &self,
        principal: &Principal,
    ) -> Result<Vec<FapiaoRequest>, FapiaoError> {
        Ok(self.fapiao.requests(&principal.customer_id).await?)
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn fapiao_request(
        &self,
        principal: &Principal,
        id: &FapiaoRequestId,
    ) -> Result<FapiaoRequest, FapiaoError> {
        self.fapiao
            .request(Some(&principal.customer_id), id.as_str())
            .await?
            .ok_or(FapiaoError::NotFound("fapiao request"))
    }

    /// Withdraws a pending request (admin): its invoices are free again.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn withdraw_fapiao(
        &self,
        principal: &Principal,
        id: &FapiaoRequestId,
    ) -> Result<FapiaoRequest, FapiaoError> {
        principal.require_admin("withdraw a fapiao request")?;
        let current = self.fapiao_request(principal, id).await?;
        let status = current
            .status
            .withdraw()
            .map_err(|e| FapiaoError::Conflict(e.to_string()))?;
        let changed = FapiaoRequest { status, ..current };
        let audit = self.fapiao_audit(
            &principal.customer_id,
            (&principal.user_id, principal.name.as_ref()),
            AuditAction::FapiaoWithdrawn,
            Some(&changed),
        );
        self.fapiao_transition(
            &changed,
            FapiaoRequestStatus::Pending,
            Step::audited(&audit),
        )
        .await?;
        Ok(changed)
    }

    /// The issued file of the customer's request.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn fapiao_file(
        &self,
        principal: &Principal,
        id: &FapiaoRequestId,
    ) -> Result<FapiaoFile, FapiaoError> {
        let request = self.fapiao_request(principal, id).await?;
        let (Some(issuance), FapiaoRequestStatus::Issued | FapiaoRequestStatus::Reversed) =
            (request.issuance, request.status)
        else {
            return Err(FapiaoError::NotFound("fapiao file"));
        };
        let bytes = self
            .fapiao
            .file(&principal.customer_id, id.as_str())
            .await?
            .ok_or(FapiaoError::NotFound("fapiao file"))?;
        Ok(FapiaoFile { issuance, bytes })
    }

    async fn fapiao_transition(
        &self,
        request: &FapiaoRequest,
        from: FapiaoRequestStatus,
        step: Step<'_>,
    ) -> Result<(), FapiaoError> {
        let change = FapiaoTransition {
            request,
            from,
            file: step.file,
            audit: step.audit,
            outbox: step.outbox,
            notification: step.notification,
        };
        match self.fapiao.transition(change).await {
            Ok(()) => Ok(()),
            Err(RepositoryError::Conflict) => Err(FapiaoError::Conflict(format!(
                "the request is no longer {}",
                from.as_str()
            ))),
            Err(other) => Err(other.into()),
        }
    }
}

/// What a status change stores besides the request.
struct Step<'a> {
    file: Option<&'a [u8]>,
    audit: &'a AuditEntry,
    outbox: &'a [OutboxMessage],
    notification: Option<&'a Notification>,
}

impl<'a> Step<'a> {
    fn audited(audit: &'a AuditEntry) -> Self {
        Self {
            file: None,
            audit,
            outbox: &[],
            notification: None,
        }
    }
}
