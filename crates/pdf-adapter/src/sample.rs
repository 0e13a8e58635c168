//! A sample invoice document for the size benchmark and the rendering tests: the demo
//! customer's December 2025 invoice with the lines given.

use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{
    ContactEmail, Currency, Customer, CustomerId, Invoice, InvoiceId, InvoiceKind, InvoiceLine,
    InvoiceStatus, Month, invoice::total_of,
};

/// The invoice `INV202512007` of `cust_demo`, billed to `company`.
pub fn document(
    lines: Vec<InvoiceLine>,
    company: &str,
    status: InvoiceStatus,
    language: DocumentLanguage,
) -> anyhow::Result<InvoiceDocument> {
    let customer_id = CustomerId::parse("cust_demo")?;
    Ok(InvoiceDocument {
        invoice: Invoice {
            id: InvoiceId::parse("INV202512007")?,
            customer_id: customer_id.clone(),
            period: Month::parse("2025-12")?,
            kind: InvoiceKind::Subscription,
            status,
            amount: total_of(Currency::Cny, &lines)?,
            lines,
            created_at: Utc
                .with_ymd_and_hms(2025, 12, 1, 0, 0, 0)
                .single()
                .context("a valid time")?,
            due_date: NaiveDate::from_ymd_opt(2025, 12, 16).context("a valid date")?,
            payments: Vec::new(),
        },
        bill_to: Customer {
            id: customer_id,
            company_name: company.into(),
            contact_name: "张三".into(),
            contact_email: ContactEmail::parse("zhangsan@example.com")
                .map_err(anyhow::Error::msg)?,
            created_at: Utc::now(),
            version: 1,
        },
        language,
    })
}
