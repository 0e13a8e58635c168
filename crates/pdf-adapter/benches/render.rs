//! Time and size per invoice PDF: a 3-line and a 200-line invoice, Chinese.
//! `cargo bench -p portal-pdf` (or `just bench-pdf`). Sizes are printed before timing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{
    ContactEmail, Currency, Customer, CustomerId, Invoice, InvoiceId, InvoiceKind, InvoiceLine,
    InvoiceStatus, Money, Month, invoice::total_of,
};
use portal_pdf::{KrillaInvoiceRenderer, Seller};
use rust_decimal::Decimal;

fn document(lines: usize) -> InvoiceDocument {
    let lines: Vec<InvoiceLine> = (1..=lines)
        .map(|i| {
            InvoiceLine::new(
                format!("第{i}项 专业版 智能客服对话包 / Item {i} AI chat pack"),
                i as i64,
                Money::new(Decimal::new(99_900, 2), Currency::Cny).unwrap(),
            )
        })
        .collect();
    InvoiceDocument {
        invoice: Invoice {
            id: InvoiceId::parse("INV202512001").unwrap(),
            customer_id: CustomerId::parse("cust_demo").unwrap(),
            period: Month::parse("2025-12").unwrap(),
            kind: InvoiceKind::Subscription,
            status: InvoiceStatus::Pending,
            amount: total_of(Currency::Cny, &lines).unwrap(),
            lines,
            created_at: Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2025, 12, 16).unwrap(),
            payments: Vec::new(),
        },
        bill_to: Customer {
            id: CustomerId::parse("cust_demo").unwrap(),
            company_name: "示例科技有限公司".into(),
            contact_name: "张三".into(),
            contact_email: ContactEmail::parse("zhangsan@example.com").unwrap(),
            created_at: Utc::now(),
            version: 1,
        },
        language: DocumentLanguage::Zh,
    }
}

fn bench(c: &mut Criterion) {
    let renderer = KrillaInvoiceRenderer::new(Seller::demo()).unwrap();
    for lines in [3, 200] {
        let doc = document(lines);
        let bytes = renderer.render_now(&doc).unwrap().len();
        println!(
            "invoice PDF, {lines} lines: {bytes} bytes ({:.1} kB)",
            bytes as f64 / 1000.0
        );
        c.bench_function(&format!("render_{lines}_lines"), |b| {
            b.iter(|| renderer.render_now(&doc).unwrap())
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
