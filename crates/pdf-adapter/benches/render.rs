//! Time and size per invoice PDF: a 3-line and a 200-line invoice, Chinese, and a 20-line
//! one with realistic descriptions at two VAT rates.
//! `cargo bench -p portal-pdf` (or `just bench-pdf`). Sizes are printed before timing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark code

use criterion::{Criterion, criterion_group, criterion_main};
use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{Currency, InvoiceLine, InvoiceStatus, Money, TaxRate};
use portal_pdf::{KrillaInvoiceRenderer, Seller};
use rust_decimal::Decimal;

fn document(lines: usize) -> InvoiceDocument {
    let lines: Vec<InvoiceLine> = (1..=lines)
        .map(|i| {
            InvoiceLine::new(
                format!("第{i}项 专业版 智能客服对话包 / Item {i} AI chat pack"),
                i as i64,
                Money::new(Decimal::new(99_900, 2), Currency::Cny).unwrap(),
                TaxRate::information_services(),
            )
        })
        .collect();
    sample(lines)
}

fn sample(lines: Vec<InvoiceLine>) -> InvoiceDocument {
    portal_pdf::sample::document(
        lines,
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let renderer = KrillaInvoiceRenderer::new(Seller::demo()).unwrap();
    let realistic = sample(portal_pdf::sample::realistic_lines(20).unwrap());
    for (name, doc) in [
        ("3_lines", document(3)),
        ("200_lines", document(200)),
        ("20_realistic_lines", realistic),
    ] {
        let bytes = renderer.render_now(&doc).unwrap().len();
        println!(
            "invoice PDF, {name}: {bytes} bytes ({:.1} kB)",
            bytes as f64 / 1000.0
        );
        c.bench_function(&format!("render_{name}"), |b| {
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
