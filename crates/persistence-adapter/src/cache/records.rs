//! Usage and invoices through the cache: writes refresh the contract's usage hashes and
//! invoice lists; the list is read through the cache, an invoice from the store.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use portal_billing::{InvoiceRepository, RepositoryError, UsageRepository};
use portal_domain::{
    CustomerId, DateRange, Invoice, InvoiceId, InvoiceKey, InvoicePage, InvoiceSummary, Page,
    PageRequest, Product, UsageEvent, UsageRecord,
};

use super::keys::{self, InvoiceListItem};
use super::store::CachedStore;

#[async_trait]
impl UsageRepository for CachedStore {
    #[tracing::instrument(name = "cache.records.daily", level = "debug", skip_all)]
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError> {
        self.db.daily(customer, range, product).await
    }

    #[tracing::instrument(name = "cache.records.ingest", level = "debug", skip_all)]
    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError> {
        let accepted = self.db.ingest(events, received_at).await?;
        if accepted > 0 {
            let touched = events
                .iter()
                .map(|e| (e.customer_id.clone(), e.date))
                .collect();
            self.refresh_usage(&touched).await;
        }
        Ok(accepted)
    }

    #[tracing::instrument(name = "cache.records.insert_if_absent", level = "debug", skip_all)]
    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError> {
        let added = UsageRepository::insert_if_absent(&self.db, customer, records).await?;
        if added > 0 {
            let touched = records.iter().map(|r| (customer.clone(), r.date)).collect();
            self.refresh_usage(&touched).await;
        }
        Ok(added)
    }
}

#[async_trait]
impl InvoiceRepository for CachedStore {
    /// Pages the whole list, read through the contract's key (which holds every invoice
    /// of the customer): every page is answered from the cache when it holds the key.
    #[tracing::instrument(name = "cache.records.list", level = "debug", skip_all)]
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        let list = self
            .cached(
                &keys::invoices(customer),
                |l: &Vec<InvoiceSummary>| l.iter().map(InvoiceListItem::of).collect::<Vec<_>>(),
                |items: Vec<InvoiceListItem>| {
                    items
                        .into_iter()
                        .map(InvoiceListItem::into_domain)
                        .collect::<Option<Vec<_>>>()
                },
                || async move { self.db.all_invoices(customer).await.map(Some) },
            )
            .await?;
        Ok(Page::newest_first(
            list.unwrap_or_default(),
            page,
            InvoiceKey::of,
        ))
    }

    #[tracing::instrument(name = "cache.records.find", level = "debug", skip_all)]
    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        InvoiceRepository::find(&self.db, customer, id).await
    }

    #[tracing::instrument(name = "cache.records.mark_overdue", level = "debug", skip_all)]
    async fn mark_overdue(
        &self,
        today: NaiveDate,
        announce: &portal_billing::ports::Announce<'_>,
    ) -> Result<u64, RepositoryError> {
        let n = self.db.mark_overdue(today, announce).await?;
        if n > 0 {
            self.forget_matching("billing:*:invoices").await;
        }
        Ok(n)
    }

    #[tracing::instrument(name = "cache.records.find_any", level = "debug", skip_all)]
    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError> {
        self.db.find_any(id).await
    }

    /// Exports read the source of truth.
    async fn documents_of(
        &self,
        customer: &CustomerId,
        from: portal_domain::Month,
        to: portal_domain::Month,
    ) -> Result<Vec<Invoice>, RepositoryError> {
        self.db.documents_of(customer, from, to).await
    }
}
