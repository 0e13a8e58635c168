//! A sample invoice document for the size benchmark and the rendering tests: the demo
//! customer's December 2025 invoice with the lines given, and lines as a real bill has
//! them.

use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{
    ContactEmail, Currency, Customer, CustomerId, Invoice, InvoiceId, InvoiceKind, InvoiceLine,
    InvoiceStatus, Language, LineTax, Money, Month, PlanId, Product, TaxRate,
    invoice::{LineDetail, LineKind, UsageFacts, total_of},
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
            document: portal_domain::DocumentKind::Invoice,
            amount_paid: Money::zero(Currency::Cny),
            applications: Vec::new(),
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

/// One line of [`realistic_lines`]: what it bills and at which rate.
enum Kind {
    Fee(&'static str, &'static str, (u32, u32), i64),
    Reversal(&'static str, &'static str, (u32, u32), i64),
    Usage(Product, bool, i64, i64, i64, i64),
}

/// `count` lines as a busy month's bill has them, worded as the domain words them
/// (`line.describe`): plan fees for parts of the month, a reversal, usage beyond the plan
/// and late usage adjustments, at 6 % and (the enterprise plan's) 13 %.
pub fn realistic_lines(count: usize) -> anyhow::Result<Vec<InvoiceLine>> {
    use Kind::{Fee, Reversal, Usage};
    // Plan fees: (plan, name, (first day, last day) of December, fen); usage: (product,
    // a late adjustment, used, included, units, fen).
    let kinds = [
        Fee("basic", "基础版", (1, 9), 26_100),
        Reversal("pro", "专业版", (1, 31), 99_900),
        Fee("pro", "专业版", (10, 14), 16_113),
        Fee("enterprise", "企业版", (15, 31), 164_465),
        Usage(Product::AiChat, false, 123_456, 100_000, 23_456, 117_280),
        Usage(Product::Email, false, 58_210, 50_000, 8_210, 8_210),
        Usage(Product::AgentSeats, false, 12, 10, 36, 11_880),
        Usage(Product::AiChat, true, 101_200, 100_000, 1_200, 6_000),
        Usage(Product::AgentSeats, true, 13, 10, 5, 1_650),
        Fee("pro", "专业版", (1, 31), 99_900),
    ];
    let december = Month::parse("2025-12")?;
    let november = Month::parse("2025-11")?;
    let day = |d: u32| NaiveDate::from_ymd_opt(2025, 12, d).context("a valid date");
    let six = TaxRate::information_services();
    let thirteen = TaxRate::parse("0.13").map_err(anyhow::Error::msg)?;
    let mut lines = Vec::with_capacity(count);
    for kind in kinds.iter().cycle().take(count) {
        let line = match *kind {
            Fee(plan, name, (from, to), fen) | Reversal(plan, name, (from, to), fen) => {
                let reversal = matches!(kind, Reversal(..));
                let amount = Money::from_minor(if reversal { -fen } else { fen }, Currency::Cny);
                let detail = LineDetail {
                    kind: if reversal {
                        LineKind::Reversal
                    } else {
                        LineKind::Fee
                    },
                    plan_id: PlanId::parse(plan)?,
                    plan_name: name.into(),
                    period: december,
                    from: day(from)?,
                    to: day(to)?,
                    days: to - from + 1,
                    days_in_month: december.days(),
                    usage: None,
                };
                let rate = if plan == "enterprise" { thirteen } else { six };
                InvoiceLine::from_detail(detail, amount, rate)
            }
            Usage(product, late, used, included, units, fen) => {
                let unit_price = match product {
                    Product::AiChat => 5,
                    Product::Email => 1,
                    Product::AgentSeats => 9_900,
                };
                let amount = Money::from_minor(fen, Currency::Cny);
                let rate = if product == Product::AgentSeats {
                    thirteen
                } else {
                    six
                };
                let mut line = InvoiceLine::new(
                    String::new(),
                    units,
                    Money::from_minor(unit_price, Currency::Cny),
                    rate,
                );
                // Seat-days are priced per seat-month, prorated: the amount is not units ×
                // price.
                line.amount = amount;
                line.tax = LineTax::of(amount, rate);
                line.detail = Some(LineDetail {
                    kind: if late {
                        LineKind::Adjustment
                    } else {
                        LineKind::Overage
                    },
                    plan_id: PlanId::parse("pro")?,
                    plan_name: "专业版".into(),
                    period: november,
                    from: november.first_day(),
                    to: november.last_day(),
                    days: november.days(),
                    days_in_month: november.days(),
                    usage: Some(UsageFacts {
                        product,
                        used,
                        included,
                    }),
                });
                line.description = line.describe(Language::En);
                line
            }
        };
        lines.push(line);
    }
    Ok(lines)
}
