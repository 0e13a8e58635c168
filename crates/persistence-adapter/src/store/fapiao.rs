//! Fapiao rows: the profile as one JSON document (read back through the domain's
//! validation), requests, the holds that let one request hold an invoice (its primary key
//! lets one insert through), and the issued files.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use portal_billing::RepositoryError;
use portal_billing::ports::{FapiaoRepository, FapiaoRequest, FapiaoTransition};
use portal_domain::fapiao::{RawFapiaoProfile, validate_profile};
use portal_domain::{
    AuditEntry, CustomerId, DocumentTax, FapiaoFileType, FapiaoKind, FapiaoNumber, FapiaoProfile,
    FapiaoRequestStatus, InvoiceId, Issuance, TaxRate,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::SeaOrmStore;
use crate::convert::{self, corrupt, db_err};
use crate::entity::{fapiao_files, fapiao_holds, fapiao_profiles, fapiao_requests};

#[derive(Serialize, Deserialize)]
struct ProfileRow {
    title_type: String,
    title: String,
    tax_id: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    bank_name: Option<String>,
    bank_account: Option<String>,
    email: String,
}

fn json_err(e: serde_json::Error) -> RepositoryError {
    RepositoryError::Other(anyhow::Error::new(e))
}

fn profile_json(p: &FapiaoProfile) -> Result<String, RepositoryError> {
    serde_json::to_string(&ProfileRow {
        title_type: p.title_type.as_str().to_owned(),
        title: p.title.clone(),
        tax_id: p.tax_id.as_ref().map(|t| t.to_string()),
        address: p.address.clone(),
        phone: p.phone.clone(),
        bank_name: p.bank_name.clone(),
        bank_account: p.bank_account.clone(),
        email: p.email.as_str().to_owned(),
    })
    .map_err(json_err)
}

fn profile(raw: &str) -> Result<FapiaoProfile, RepositoryError> {
    let row: ProfileRow = serde_json::from_str(raw).map_err(json_err)?;
    validate_profile(&RawFapiaoProfile {
        title_type: Some(row.title_type),
        title: Some(row.title),
        tax_id: row.tax_id,
        address: row.address,
        phone: row.phone,
        bank_name: row.bank_name,
        bank_account: row.bank_account,
        email: Some(row.email),
    })
    .map_err(|e| corrupt("fapiao profile", e))
}

fn request(row: fapiao_requests::Model) -> Result<FapiaoRequest, RepositoryError> {
    let status = FapiaoRequestStatus::parse(&row.status)
        .ok_or_else(|| corrupt("fapiao request status", &row.status))?;
    let kind =
        FapiaoKind::parse(&row.kind).ok_or_else(|| corrupt("fapiao request kind", &row.kind))?;
    let invoice_ids = row
        .invoice_ids
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| InvoiceId::parse(s).map_err(|e| corrupt("fapiao request invoice", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let issuance = match (&row.fapiao_number, &row.issued_on, &row.file_type) {
        (Some(number), Some(on), Some(file_type)) => Some(Issuance {
            fapiao_number: FapiaoNumber::parse(number).map_err(|e| corrupt("fapiao number", e))?,
            issued_on: NaiveDate::parse_from_str(on, "%Y-%m-%d")
                .map_err(|e| corrupt("fapiao date", e))?,
            file_type: FapiaoFileType::parse(file_type)
                .ok_or_else(|| corrupt("fapiao file type", file_type))?,
        }),
        _ => None,
    };
    Ok(FapiaoRequest {
        customer_id: CustomerId::parse(&row.customer_id)
            .map_err(|e| corrupt("fapiao request customer", e))?,
        amount: convert::money(row.amount_minor, &row.currency)?,
        tax: breakdown_of(&row.tax_breakdown, &row.currency)?,
        id: row.id,
        status,
        kind,
        invoice_ids,
        title: row.title,
        tax_id: row.tax_id,
        created_at: row.created_at,
        issuance,
        reversal_reason: row.reversal_reason,
    })
}

/// One rate's part of a request, as stored in `tax_breakdown`.
#[derive(Serialize, Deserialize)]
struct StoredRate {
    tax_rate: String,
    net_minor: i64,
    tax_minor: i64,
    amount_minor: i64,
}

fn breakdown_json(tax: &DocumentTax) -> Result<String, RepositoryError> {
    let parts = tax
        .breakdown
        .iter()
        .map(|r| {
            Ok(StoredRate {
                tax_rate: r.rate.to_string(),
                net_minor: convert::minor(&r.net_amount)?,
                tax_minor: convert::minor(&r.tax_amount)?,
                amount_minor: convert::minor(&r.amount)?,
            })
        })
        .collect::<Result<Vec<_>, RepositoryError>>()?;
    serde_json::to_string(&parts).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))
}

fn breakdown_of(raw: &str, currency: &str) -> Result<DocumentTax, RepositoryError> {
    let parts: Vec<StoredRate> =
        serde_json::from_str(raw).map_err(|e| corrupt("fapiao request breakdown", e))?;
    let parts = parts
        .into_iter()
        .map(|p| {
            Ok((
                TaxRate::parse(&p.tax_rate).map_err(|e| corrupt("fapiao request rate", e))?,
                convert::money(p.net_minor, currency)?,
                convert::money(p.tax_minor, currency)?,
                convert::money(p.amount_minor, currency)?,
            ))
        })
        .collect::<Result<Vec<_>, RepositoryError>>()?;
    DocumentTax::from_parts(convert::currency(currency)?, parts)
        .map_err(|e| corrupt("fapiao request breakdown", e))
}

fn joined(ids: &[InvoiceId]) -> String {
    ids.iter()
        .map(InvoiceId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

#[async_trait]
impl FapiaoRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.fapiao.profile", level = "debug", skip_all)]
    async fn profile(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<FapiaoProfile>, RepositoryError> {
        fapiao_profiles::Entity::find_by_id(customer.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|row| profile(&row.profile))
            .transpose()
    }

    #[tracing::instrument(name = "store.fapiao.set_profile", level = "debug", skip_all)]
    async fn set_profile(
        &self,
        customer: &CustomerId,
        data: &FapiaoProfile,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let document = profile_json(data)?;
        super::documents::replace_audited(
            &self.db,
            |at| fapiao_profiles::ActiveModel {
                customer_id: Set(customer.to_string()),
                profile: Set(document),
                updated_at: Set(at),
            },
            fapiao_profiles::Column::CustomerId,
            [
                fapiao_profiles::Column::Profile,
                fapiao_profiles::Column::UpdatedAt,
            ],
            audit,
        )
        .await
    }

    #[tracing::instrument(name = "store.fapiao.create_request", level = "debug", skip_all)]
    async fn create_request(
        &self,
        r: &FapiaoRequest,
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // Each hold's key lets one request hold the invoice; a concurrent request for it
        // waits on the key, then inserts nothing and is refused.
        for invoice in &r.invoice_ids {
            let inserted = fapiao_holds::Entity::insert(fapiao_holds::ActiveModel {
                invoice_id: Set(invoice.to_string()),
                request_id: Set(r.id.clone()),
            })
            .on_conflict(
                OnConflict::column(fapiao_holds::Column::InvoiceId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
            if inserted == 0 {
                return Err(RepositoryError::Conflict);
            }
        }
        fapiao_requests::Entity::insert(fapiao_requests::ActiveModel {
            id: Set(r.id.clone()),
            customer_id: Set(r.customer_id.to_string()),
            status: Set(r.status.as_str().to_owned()),
            kind: Set(r.kind.as_str().to_owned()),
            amount_minor: Set(convert::minor(&r.amount)?),
            currency: Set(r.amount.currency().code().to_owned()),
            invoice_ids: Set(joined(&r.invoice_ids)),
            title: Set(r.title.clone()),
            tax_id: Set(r.tax_id.clone()),
            created_at: Set(r.created_at),
            updated_at: Set(r.created_at),
            fapiao_number: Set(None),
            issued_on: Set(None),
            file_type: Set(None),
            reversal_reason: Set(None),
            tax_breakdown: Set(breakdown_json(&r.tax)?),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        super::audit::record(&txn, audit).await?;
        txn.commit().await.map_err(db_err)
    }

    #[tracing::instrument(name = "store.fapiao.requests", level = "debug", skip_all)]
    async fn requests(&self, customer: &CustomerId) -> Result<Vec<FapiaoRequest>, RepositoryError> {
        fapiao_requests::Entity::find()
            .filter(fapiao_requests::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(fapiao_requests::Column::CreatedAt)
            .order_by_desc(fapiao_requests::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(request)
            .collect()
    }

    #[tracing::instrument(name = "store.fapiao.request", level = "debug", skip_all)]
    async fn request(
        &self,
        customer: Option<&CustomerId>,
        id: &str,
    ) -> Result<Option<FapiaoRequest>, RepositoryError> {
        let mut query = fapiao_requests::Entity::find_by_id(id);
        if let Some(customer) = customer {
            query = query.filter(fapiao_requests::Column::CustomerId.eq(customer.as_str()));
        }
        query
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(request)
            .transpose()
    }

    #[tracing::instrument(name = "store.fapiao.requests_in", level = "debug", skip_all)]
    async fn requests_in(
        &self,
        status: FapiaoRequestStatus,
    ) -> Result<Vec<FapiaoRequest>, RepositoryError> {
        fapiao_requests::Entity::find()
            .filter(fapiao_requests::Column::Status.eq(status.as_str()))
            .order_by_asc(fapiao_requests::Column::CreatedAt)
            .order_by_asc(fapiao_requests::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(request)
            .collect()
    }

    #[tracing::instrument(name = "store.fapiao.transition", level = "debug", skip_all)]
    async fn transition(&self, change: FapiaoTransition<'_>) -> Result<(), RepositoryError> {
        let r = change.request;
        let txn = self.db.begin().await.map_err(db_err)?;
        let issuance = r.issuance.as_ref();
        let updated = fapiao_requests::Entity::update_many()
            .col_expr(
                fapiao_requests::Column::Status,
                Expr::value(r.status.as_str()),
            )
            .col_expr(fapiao_requests::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(
                fapiao_requests::Column::FapiaoNumber,
                Expr::value(issuance.map(|i| i.fapiao_number.to_string())),
            )
            .col_expr(
                fapiao_requests::Column::IssuedOn,
                Expr::value(issuance.map(|i| i.issued_on.to_string())),
            )
            .col_expr(
                fapiao_requests::Column::FileType,
                Expr::value(issuance.map(|i| i.file_type.as_str().to_owned())),
            )
            .col_expr(
                fapiao_requests::Column::ReversalReason,
                Expr::value(r.reversal_reason.clone()),
            )
            .filter(fapiao_requests::Column::Id.eq(r.id.as_str()))
            .filter(fapiao_requests::Column::Status.eq(change.from.as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if updated.rows_affected == 0 {
            return Err(RepositoryError::Conflict);
        }
        if !r.status.holds_invoices() {
            fapiao_holds::Entity::delete_many()
                .filter(fapiao_holds::Column::RequestId.eq(r.id.as_str()))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        if let Some(file) = change.file {
            fapiao_files::Entity::insert(fapiao_files::ActiveModel {
                request_id: Set(r.id.clone()),
                content: Set(file.to_vec()),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        }
        super::audit::record(&txn, change.audit).await?;
        if let Some(n) = change.notification {
            super::notification_rows::insert_notification(&txn, &r.customer_id, n).await?;
        }
        for message in change.outbox {
            super::outbox::insert(&txn, message).await?;
        }
        txn.commit().await.map_err(db_err)
    }

    #[tracing::instrument(name = "store.fapiao.file", level = "debug", skip_all)]
    async fn file(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Vec<u8>>, RepositoryError> {
        if FapiaoRepository::request(self, Some(customer), id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(fapiao_files::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(|row| row.content))
    }

    #[tracing::instrument(name = "store.fapiao.holders", level = "debug", skip_all)]
    async fn holders(
        &self,
        customer: &CustomerId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FapiaoRequestStatus>, RepositoryError> {
        if invoices.is_empty() {
            return Ok(HashMap::new());
        }
        let holds = fapiao_holds::Entity::find()
            .filter(fapiao_holds::Column::InvoiceId.is_in(invoices.iter().map(InvoiceId::as_str)))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let requests: HashMap<String, String> = fapiao_requests::Entity::find()
            .filter(fapiao_requests::Column::Id.is_in(holds.iter().map(|h| h.request_id.as_str())))
            .filter(fapiao_requests::Column::CustomerId.eq(customer.as_str()))
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|r| (r.id, r.status))
            .collect();
        holds
            .into_iter()
            .filter_map(|h| {
                let status = requests.get(&h.request_id)?;
                Some((h.invoice_id, status.clone()))
            })
            .map(|(invoice, status)| {
                Ok((
                    InvoiceId::parse(&invoice).map_err(|e| corrupt("fapiao hold", e))?,
                    FapiaoRequestStatus::parse(&status)
                        .ok_or_else(|| corrupt("fapiao request status", &status))?,
                ))
            })
            .collect()
    }
}
