//! Where things are on the page: nothing overlaps, figures stand under their headings.

use portal_billing::DocumentLanguage;
use portal_domain::{InvoiceLine, InvoiceStatus};
use portal_pdf::layout::{Op, Page};

use crate::{cny, document, renderer, six, thirteen, three_lines};

/// Where the header's facts and the table start: the left page margin.
pub(crate) const MARGIN: f32 = 48.0;

/// A text op's box: from its x over its measured width, from an ascent above its
/// baseline to a descent below it.
#[derive(Debug)]
pub(crate) struct TextBox<'a> {
    pub(crate) text: &'a str,
    pub(crate) left: f32,
    pub(crate) right: f32,
    pub(crate) top: f32,
    pub(crate) bottom: f32,
}

pub(crate) fn text_boxes(page: &Page) -> Vec<TextBox<'_>> {
    page.ops
        .iter()
        .filter_map(|op| match op {
            Op::Text {
                x, y, size, text, ..
            } => Some(TextBox {
                text,
                left: *x,
                right: x + portal_pdf::layout::text_width_for_test(text, *size),
                top: y - size * 0.8,
                bottom: y + size * 0.2,
            }),
            _ => None,
        })
        .collect()
}

/// No two texts overlap; no text is crossed by a rule or by the edge of a box (it is
/// inside or outside); and only the footer (page number, bill number) is below the
/// footer's rule, the lowest rule of the page, the rest at least [`FOOTER_CLEARANCE`]
/// above it.
/// The least space between the page's content and the footer's rule.
const FOOTER_CLEARANCE: f32 = 12.0;

pub(crate) fn assert_nothing_overlaps(pages: &[Page]) {
    assert!(!pages.is_empty());
    const EPS: f32 = 0.01;
    for (n, page) in pages.iter().enumerate() {
        let n = n + 1;
        let boxes = text_boxes(page);
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a.right <= b.left + EPS
                    || b.right <= a.left + EPS
                    || a.bottom <= b.top + EPS
                    || b.bottom <= a.top + EPS;
                assert!(apart, "page {n}: {a:?} overlaps {b:?}");
            }
        }
        let mut footer_rule = 0.0_f32;
        for op in &page.ops {
            let (left, right, top, bottom) = match *op {
                Op::Line { x1, y1, x2, y2, .. } => {
                    footer_rule = footer_rule.max(y1);
                    (x1.min(x2), x1.max(x2), y1.min(y2), y1.max(y2))
                }
                Op::FillRect { x, y, w, h, .. } | Op::StrokeRect { x, y, w, h, .. } => {
                    (x, x + w, y, y + h)
                }
                Op::Text { .. } => continue,
            };
            for t in &boxes {
                let beside = t.right <= left + EPS || right <= t.left + EPS;
                let above_or_below = t.bottom <= top + EPS || bottom <= t.top + EPS;
                let inside =
                    top <= t.top && t.bottom <= bottom && left <= t.left && t.right <= right;
                assert!(
                    beside || above_or_below || inside,
                    "page {n}: {t:?} is crossed by {op:?}"
                );
            }
        }
        let below: Vec<&str> = boxes
            .iter()
            .filter(|t| t.bottom > footer_rule - FOOTER_CLEARANCE)
            .map(|t| t.text)
            .collect();
        assert_eq!(
            below.len(),
            2,
            "page {n}: only the footer is below its rule: {below:?}"
        );
    }
}

/// Every figure is right-aligned under its column's heading, in the lines and in the
/// totals alike.
#[test]
fn figures_stand_right_aligned_under_their_headings() {
    for (language, headings) in [
        (
            DocumentLanguage::Zh,
            ["数量", "单价", "（不含税）", "税率", "税额", "价税合计"],
        ),
        (
            DocumentLanguage::En,
            ["Qty", "Unit price", "Net", "Rate", "Tax", "Total"],
        ),
    ] {
        let doc = document(
            three_lines(),
            "示例科技有限公司",
            InvoiceStatus::Paid,
            language,
        );
        let pages = portal_pdf::layout::lay_out_for_test(&doc);
        let boxes = text_boxes(&pages[0]);
        let right_of = |text: &str| -> Vec<f32> {
            boxes
                .iter()
                .filter(|b| b.text == text)
                .map(|b| b.right)
                .collect()
        };
        // Quantity, unit price, net, rate, tax and total of the third line, and the
        // net and tax of the totals (per rate and the sums: twice each).
        let columns = [
            vec!["1716"],
            vec!["¥0.05"],
            vec!["¥80.94", "¥1,164.62"],
            vec!["6%"],
            vec!["¥4.86", "¥69.88"],
            vec!["¥85.80"],
        ];
        for (heading, figures) in headings.iter().zip(columns) {
            let [edge] = right_of(heading)[..] else {
                panic!("{heading:?} once on the page")
            };
            for figure in figures {
                let rights = right_of(figure);
                assert!(!rights.is_empty(), "{figure:?} printed");
                for right in rights {
                    assert!(
                        (right - edge).abs() < 0.01,
                        "{figure:?} ends at {right}, under {heading:?} ending at {edge}"
                    );
                }
            }
        }
    }
}

#[test]
fn no_text_overlaps_another_text_or_a_rule_on_any_page() {
    let long_company =
        "上海市浦东新区超长名称示例人工智能客户服务与数据科技股份有限公司第一分公司营销中心";
    let mut documents = Vec::new();
    for language in [DocumentLanguage::Zh, DocumentLanguage::En] {
        for status in [
            InvoiceStatus::Pending,
            InvoiceStatus::Paid,
            InvoiceStatus::Overdue,
        ] {
            documents.push(document(three_lines(), long_company, status, language));
        }
        documents.push(document(
            portal_pdf::sample::realistic_lines(200).unwrap(),
            "示例科技有限公司",
            InvoiceStatus::Pending,
            language,
        ));
        // Amounts far beyond any bill: wide columns, the amount in words under the
        // figure.
        documents.push(document(
            vec![
                InvoiceLine::new("超大金额", 1, cny("123456789012.34"), thirteen()),
                InvoiceLine::new("冲销", -1, cny("0.05"), six()),
            ],
            "示例科技有限公司",
            InvoiceStatus::Pending,
            language,
        ));
        // A credit: a negative total.
        documents.push(document(
            vec![InvoiceLine::new("冲销：专业版", -1, cny("999.00"), six())],
            "示例科技有限公司",
            InvoiceStatus::Pending,
            language,
        ));
        // No lines at all.
        documents.push(document(
            Vec::new(),
            "示例科技有限公司",
            InvoiceStatus::Pending,
            language,
        ));
        // Every length from one page to three: somewhere the last row ends too low for
        // the totals, which then go to the next page, whole.
        for count in 15..=75 {
            documents.push(document(
                portal_pdf::sample::realistic_lines(count).unwrap(),
                "示例科技有限公司",
                InvoiceStatus::Pending,
                language,
            ));
        }
    }
    let mut totals_alone = 0;
    for doc in &documents {
        let pages = portal_pdf::layout::lay_out_for_test(doc);
        assert_nothing_overlaps(&pages);
        let last = pages.last().unwrap();
        // The totals stay together, with the amount due, on the last page.
        let (last_heading, by_rate, due) = match doc.language {
            DocumentLanguage::Zh => ("价税合计", "按税率小计", "价税合计（人民币）"),
            DocumentLanguage::En => ("Total", "By VAT rate", "Total (CNY)"),
        };
        let texts: Vec<&str> = last.texts().collect();
        if !doc.invoice.lines.is_empty() {
            assert!(texts.contains(&by_rate), "{by_rate} on the last page");
        }
        assert!(texts.contains(&due), "{due} on the last page");
        // Moved to a page of their own: right under the table's header.
        let after_header = texts
            .iter()
            .position(|t| *t == last_heading)
            .and_then(|i| texts.get(i + 1));
        if pages.len() > 1 && after_header == Some(&by_rate) {
            totals_alone += 1;
        }
    }
    assert!(
        totals_alone > 0,
        "no bill had its totals on a page of their own"
    );
}

/// Writes the PDFs to look at: `cargo test -p portal-pdf --test render -- --ignored`;
/// into `$PDF_SAMPLES_DIR`, the temporary directory if unset: `pdf-zh.pdf`, `pdf-en.pdf`
/// (3 lines) and `pdf-zh-20.pdf`, `pdf-en-20.pdf` (20 lines at two rates).
#[test]
#[ignore = "writes files, to look at"]
fn write_samples() {
    let dir = std::env::var_os("PDF_SAMPLES_DIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    for (language, tag) in [(DocumentLanguage::Zh, "zh"), (DocumentLanguage::En, "en")] {
        for (lines, suffix) in [
            (three_lines(), ""),
            (portal_pdf::sample::realistic_lines(20).unwrap(), "-20"),
            (portal_pdf::sample::realistic_lines(200).unwrap(), "-200"),
            (
                vec![InvoiceLine::new(
                    "超大金额",
                    1,
                    cny("123456789012.34"),
                    thirteen(),
                )],
                "-huge",
            ),
        ] {
            let doc = document(lines, "示例科技有限公司", InvoiceStatus::Pending, language);
            let path = dir.join(format!("pdf-{tag}{suffix}.pdf"));
            std::fs::write(&path, renderer().render_now(&doc).unwrap()).unwrap();
        }
    }
}
