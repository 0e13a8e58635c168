//! VAT on the bill (contract §14): per line, per rate, the sums, the amount due in
//! figures and, in Chinese, in capital numerals.

use portal_billing::DocumentLanguage;
use portal_domain::{InvoiceLine, InvoiceStatus};

use crate::geometry::assert_nothing_overlaps;
use crate::{
    TOTAL_IN_WORDS, cny, document, page_count, renderer, six, squash, text_of, thirteen,
    three_lines,
};

#[test]
fn a_chinese_bill_shows_the_vat_of_every_line_per_rate_and_in_words() {
    let doc = document(
        three_lines(),
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    );
    let text = text_of(&renderer().render_now(&doc).unwrap());
    for expected in [
        // The headings (金额（不含税） in two lines, read together).
        "项目数量单价金额（不含税）税率税额价税合计",
        // Per line, column by column: quantity, unit price, net, rate, tax, total.
        "1¥999.00¥942.456%¥56.55¥999.00",
        "3¥49.90¥141.236%¥8.47¥149.70",
        "1716¥0.05¥80.946%¥4.86¥85.80",
        // The one rate's totals, then the bill's, then the amount due.
        "按税率小计¥1,164.626%¥69.88¥1,234.50",
        "合计¥1,164.62¥69.88¥1,234.50",
        "价税合计（人民币）¥1,234.50",
        "大写金额：壹仟贰佰叁拾肆元伍角",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert_eq!(text.matches(TOTAL_IN_WORDS).count(), 1, "{text}");
}

#[test]
fn an_english_bill_has_the_vat_columns_in_english_and_no_amount_in_words() {
    let doc = document(
        three_lines(),
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::En,
    );
    let text = text_of(&renderer().render_now(&doc).unwrap());
    for expected in [
        "ItemQtyUnitpriceNetRateTaxTotal",
        "1¥999.00¥942.456%¥56.55¥999.00",
        "ByVATrate¥1,164.626%¥69.88¥1,234.50",
        "Allrates¥1,164.62¥69.88¥1,234.50",
        "Total(CNY)¥1,234.50",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    for absent in [TOTAL_IN_WORDS, "大写", "金额", "税"] {
        assert!(!text.contains(absent), "{absent:?} in {text}");
    }
}

/// 13 % lines first: the totals still go lowest rate first.
/// 100.00 at 13 % → tax 11.50 (100 × 13 / 113 = 11.504…), net 88.50;
/// 2 × 100.00 = 200.00 → 23.01 (23.008…) + 176.99; 999.00 at 6 % → 56.55 + 942.45.
/// 13 %: net 265.49, tax 34.51, total 300.00; all: 1,207.94 + 91.06 = 1,299.00.
#[test]
fn lines_at_two_rates_get_a_totals_row_per_rate() {
    let lines = vec![
        InvoiceLine::new("企业版硬件 A", 1, cny("100.00"), thirteen()),
        InvoiceLine::new("企业版硬件 B", 2, cny("100.00"), thirteen()),
        InvoiceLine::new("专业版 月费", 1, cny("999.00"), six()),
    ];
    let doc = document(
        lines,
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    );
    let text = text_of(&renderer().render_now(&doc).unwrap());
    for expected in [
        "1¥100.00¥88.5013%¥11.50¥100.00",
        "2¥100.00¥176.9913%¥23.01¥200.00",
        "1¥999.00¥942.456%¥56.55¥999.00",
        "按税率小计¥942.456%¥56.55¥999.00¥265.4913%¥34.51¥300.00合计¥1,207.94¥91.06¥1,299.00",
        "价税合计（人民币）¥1,299.00",
        "大写金额：壹仟贰佰玖拾玖元整",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // Each rate: once per line of it and once in the totals.
    let pages = portal_pdf::layout::lay_out_for_test(&doc);
    let count = |rate: &str| pages[0].texts().filter(|t| *t == rate).count();
    assert_eq!((count("6%"), count("13%")), (2, 3));
}

#[test]
fn twenty_realistic_lines_fit_on_one_page_in_both_languages() {
    let lines = portal_pdf::sample::realistic_lines(20).unwrap();
    for language in [DocumentLanguage::Zh, DocumentLanguage::En] {
        let doc = document(
            lines.clone(),
            "示例科技有限公司",
            InvoiceStatus::Pending,
            language,
        );
        let pdf = renderer().render_now(&doc).unwrap();
        assert_eq!(page_count(&pdf), 1, "{language:?}");
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
        let text = text_of(&pdf);
        for line in &lines {
            let description = squash(&line.describe(language));
            assert!(text.contains(&description), "lost {description}");
        }
        assert!(text.contains("13%") && text.contains("6%"));
        assert_nothing_overlaps(&portal_pdf::layout::lay_out_for_test(&doc));
    }
}
