#![allow(clippy::unwrap_used)]

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::ids::{CustomerId, InvoiceId, PlanId};
use crate::invoice::{InvoiceKind, InvoiceLine, InvoiceStatus, LineDetail, UsageFacts};
use crate::tax::TaxRate;

fn m(raw: &str) -> Month {
    Month::parse(raw).unwrap()
}

fn cny(fen: i64) -> Money {
    Money::from_minor(fen, Currency::Cny)
}

fn six_percent() -> TaxRate {
    TaxRate::new(Decimal::new(6, 2)).unwrap()
}

/// A line of `fen` (tax-inclusive, 6 %) of `kind` concerning `period`.
fn line(fen: i64, kind: LineKind, period: &str, product: Option<Product>) -> InvoiceLine {
    let mut line = InvoiceLine::new("x", 1, cny(fen), six_percent());
    let period = m(period);
    line.detail = Some(LineDetail {
        kind,
        plan_id: PlanId::parse("pro").unwrap(),
        plan_name: "专业版".into(),
        period,
        from: period.first_day(),
        to: period.last_day(),
        days: period.days(),
        days_in_month: period.days(),
        usage: product.map(|product| UsageFacts {
            product,
            used: 10,
            included: 5,
        }),
    });
    line
}

fn document(period: &str, kind: DocumentKind, lines: Vec<InvoiceLine>) -> Invoice {
    let amount = crate::invoice::total_of(Currency::Cny, &lines).unwrap();
    Invoice {
        id: InvoiceId::parse("INV202611001").unwrap(),
        customer_id: CustomerId::parse("cust_a").unwrap(),
        period: m(period),
        kind: InvoiceKind::Subscription,
        status: InvoiceStatus::Pending,
        amount,
        lines,
        created_at: Utc::now(),
        due_date: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
        payments: vec![],
        document: kind,
        amount_paid: cny(0),
        applications: vec![],
    }
}

#[test]
fn the_months_end_with_the_last_oldest_first() {
    let months = cost_months(m("2026-02"), 3);
    assert_eq!(months, vec![m("2025-12"), m("2026-01"), m("2026-02")]);
    assert_eq!(cost_months(m("2026-02"), 1), vec![m("2026-02")]);
}

#[test]
fn each_line_counts_toward_the_month_it_concerns_and_the_parts_add_up() {
    // December's invoice: December's fee, November's email overage, an October correction.
    let december = document(
        "2026-12",
        DocumentKind::Invoice,
        vec![
            line(99_900, LineKind::Fee, "2026-12", None),
            line(1_060, LineKind::Overage, "2026-11", Some(Product::Email)),
            line(530, LineKind::Adjustment, "2026-10", Some(Product::AiChat)),
        ],
    );
    // A credit note in November taking back part of November's fee.
    let credit = document(
        "2026-11",
        DocumentKind::CreditNote,
        vec![line(-10_600, LineKind::Reversal, "2026-11", None)],
    );
    let months = cost_months(m("2026-12"), 2);
    let costs = monthly_costs(&months, Currency::Cny, &[december, credit]).unwrap();
    assert_eq!(costs.len(), 2);
    let (nov, dec) = (&costs[0], &costs[1]);

    assert_eq!(dec.fees, cny(94_245)); // 999.00 / 1.06 = 942.45
    assert_eq!(dec.tax, cny(5_655));
    assert_eq!(dec.total, cny(99_900));

    assert_eq!(nov.overage[&Product::Email], cny(1_000));
    assert_eq!(nov.overage[&Product::AiChat], cny(0));
    assert_eq!(nov.credits, cny(-10_000));
    assert_eq!(nov.tax, cny(60 - 600));
    assert_eq!(nov.total, cny(1_060 - 10_600));
    // October is not shown: its correction is left out.
    for c in &costs {
        let parts = [c.fees, c.adjustments, c.credits, c.tax]
            .iter()
            .chain(c.overage.values())
            .fold(cny(0), |acc, p| acc.checked_add(p).unwrap());
        assert_eq!(parts, c.total, "{}", c.month);
    }
    assert_eq!(nov.change, None);
    assert_eq!(dec.change, Some(cny(99_900 - (1_060 - 10_600))));
}

#[test]
fn the_change_is_in_percent_of_the_month_before_rounded_to_one_decimal() {
    let docs = vec![
        document(
            "2026-11",
            DocumentKind::Invoice,
            vec![line(30_000, LineKind::Fee, "2026-11", None)],
        ),
        document(
            "2026-12",
            DocumentKind::Invoice,
            vec![line(40_000, LineKind::Fee, "2026-12", None)],
        ),
    ];
    let costs = monthly_costs(&cost_months(m("2026-12"), 3), Currency::Cny, &docs).unwrap();
    // October cost nothing: November's change has no percentage.
    assert_eq!(costs[1].change, Some(cny(30_000)));
    assert_eq!(costs[1].change_percent, None);
    // 100.00 / 300.00 = 33.333… % → 33.3 %.
    assert_eq!(costs[2].change_percent, Some(Decimal::new(333, 1)));
}
