//! Rendered PDFs, read back with a PDF text extractor as a reader's software would; the
//! VAT they show in [`vat`], the geometry of their layout in [`geometry`].
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[path = "render/geometry.rs"]
mod geometry;
#[path = "render/vat.rs"]
mod vat;

use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{Currency, InvoiceLine, InvoiceStatus, Money, TaxRate};
use portal_pdf::layout::{Op, PAGE_WIDTH};
use portal_pdf::{KrillaInvoiceRenderer, Seller};
use rust_decimal::Decimal;

fn document(
    lines: Vec<InvoiceLine>,
    company: &str,
    status: InvoiceStatus,
    language: DocumentLanguage,
) -> InvoiceDocument {
    portal_pdf::sample::document(lines, company, status, language).unwrap()
}

fn cny(s: &str) -> Money {
    Money::new(s.parse::<Decimal>().unwrap(), Currency::Cny).unwrap()
}

fn six() -> TaxRate {
    TaxRate::information_services()
}

fn thirteen() -> TaxRate {
    TaxRate::parse("0.13").unwrap()
}

/// ¥1,234.50 at 6 %. Per line, tax = amount × 6 / 106 rounded to the fen, net = amount − tax:
/// 999.00 → 56.55 + 942.45; 3 × 49.90 = 149.70 → 8.47 + 141.23;
/// 1716 × 0.05 = 85.80 → 4.86 + 80.94. Sums: net 1,164.62, tax 69.88, total 1,234.50.
fn three_lines() -> Vec<InvoiceLine> {
    vec![
        InvoiceLine::new(
            "专业版 月费 2025-12 / pro monthly fee 2025-12",
            1,
            cny("999.00"),
            six(),
        ),
        InvoiceLine::new("额外坐席 Extra agent seats", 3, cny("49.90"), six()),
        InvoiceLine::new("邮件超额 Email overage", 1716, cny("0.05"), six()),
    ]
}

/// 1,234.50 in capital numerals, as a Chinese finance document writes it.
const TOTAL_IN_WORDS: &str = "壹仟贰佰叁拾肆元伍角";

fn renderer() -> KrillaInvoiceRenderer {
    KrillaInvoiceRenderer::new(Seller::demo()).unwrap()
}

/// Extracted text without whitespace: wrapped lines and spacing do not matter to a reader.
fn text_of(pdf: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(pdf).expect("the PDF can be read back");
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The notice that a bill is no fapiao (contract §12), as extracted (no whitespace).
const NOT_A_FAPIAO_ZH: &str = "本账单不是增值税发票。如需发票，请在客户控制台的“发票”页面申请。";
const NOT_A_FAPIAO_EN: &str =
    "This bill is not a VAT fapiao. Request a fapiao on the Fapiao page of the customer portal.";

fn page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[test]
fn a_chinese_bill_shows_every_fact_a_finance_team_checks() {
    let doc = document(
        three_lines(),
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    );
    let pdf = renderer().render_now(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for expected in [
        "INV202512007",
        "示例科技有限公司",
        "账单",
        "账单编号",
        "账单日期2025年12月1日",
        "专业版月费2025-12/promonthlyfee2025-12",
        "¥999.00",
        "额外坐席Extraagentseats",
        "¥49.90",
        "¥149.70",
        "¥85.80",
        "¥1,234.50",
        "合计（人民币）",
        "2025年12月16日",
        "待支付",
        "第1页，共1页",
        "智服云科技有限公司",
        NOT_A_FAPIAO_ZH,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // A bill, not a fapiao: no fapiao number or issue date (开票), no fapiao but the notice.
    assert!(
        !text.contains("发票号码") && !text.contains("开票"),
        "{text}"
    );
    assert!(
        !text.replace(NOT_A_FAPIAO_ZH, "").contains("发票"),
        "only the notice names a fapiao: {text}"
    );
    // Small and with the font subset, not the whole 5 MB face.
    assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
}

#[test]
fn english_bills_have_english_labels_and_dates() {
    let doc = document(
        three_lines(),
        "示例科技有限公司",
        InvoiceStatus::Paid,
        DocumentLanguage::En,
    );
    let text = text_of(&renderer().render_now(&doc).unwrap());
    for expected in [
        "Bill",
        "Billno.",
        "Billto",
        "Item",
        "Unitprice",
        "Total(CNY)",
        "Paid",
        "16Dec2025",
        "Dec2025",
        "Page1of1",
        "¥1,234.50",
        &squash(NOT_A_FAPIAO_EN),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert!(
        !text.contains("合计"),
        "no Chinese labels in the English variant"
    );
    assert!(!text.contains("Invoice"), "a bill, not an invoice: {text}");
}

#[test]
fn two_hundred_lines_flow_onto_pages_with_nothing_lost() {
    let lines: Vec<InvoiceLine> = (1..=200)
        .map(|i| {
            InvoiceLine::new(
                format!("第{i}项 智能客服对话包 Item {i}"),
                i64::from(i),
                cny("1.25"),
                six(),
            )
        })
        .collect();
    let doc = document(
        lines.clone(),
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    );
    let pdf = renderer().render_now(&doc).unwrap();
    let pages = page_count(&pdf);
    assert!(pages >= 4, "{pages} pages");
    let text = text_of(&pdf);
    for line in &lines {
        assert!(
            text.contains(&squash(&line.description)),
            "lost {}",
            line.description
        );
        assert!(
            text.contains(&portal_money(&line.amount)),
            "lost amount {}",
            line.amount
        );
    }
    // 1.25 * (1 + 2 + ... + 200) = 1.25 * 20100 = 25125.00
    assert!(text.contains("¥25,125.00"));
    assert!(text.contains(&format!("第{pages}页，共{pages}页")));
    // The table header is repeated on every page, the notice is said once.
    assert_eq!(text.matches("单价").count(), pages);
    assert_eq!(text.matches(NOT_A_FAPIAO_ZH).count(), 1);
}

fn portal_money(m: &Money) -> String {
    let s = m.amount().to_string();
    let (int, frac) = s.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("¥{grouped}.{frac}")
}

#[test]
fn long_chinese_names_and_descriptions_wrap_instead_of_vanishing() {
    let company =
        "上海市浦东新区超长名称示例人工智能客户服务与数据科技股份有限公司第一分公司营销中心"
            .repeat(2);
    let description =
        "这是一条没有空格的很长的中文项目描述用于验证按字符宽度换行而不会被丢弃或超出页面右边界"
            .repeat(3);
    let lines = vec![InvoiceLine::new(
        description.clone(),
        1,
        cny("10.00"),
        six(),
    )];
    let doc = document(
        lines,
        &company,
        InvoiceStatus::Overdue,
        DocumentLanguage::Zh,
    );
    let text = text_of(&renderer().render_now(&doc).unwrap());
    assert!(text.contains(&company), "company lost");
    assert!(text.contains(&description), "description lost");
    assert!(text.contains("已逾期"));
}

#[test]
fn the_layout_keeps_text_inside_the_page() {
    let lines: Vec<InvoiceLine> = (0..60)
        .map(|i| {
            InvoiceLine::new(
                "很长的中文描述没有空格".repeat(i % 5 + 1),
                1,
                cny("99999.99"),
                if i % 2 == 0 { six() } else { thirteen() },
            )
        })
        .collect();
    let doc = document(
        lines,
        "示例科技有限公司",
        InvoiceStatus::Pending,
        DocumentLanguage::Zh,
    );
    let pages = portal_pdf::layout::lay_out_for_test(&doc);
    assert!(pages.len() > 1);
    for page in &pages {
        for t in geometry::text_boxes(page) {
            assert!(
                t.left >= geometry::MARGIN - 0.01
                    && t.right <= PAGE_WIDTH - geometry::MARGIN + 0.01,
                "{:?} from x={} to {}",
                t.text,
                t.left,
                t.right
            );
        }
    }
}

/// The notice sits in its own band on the first page, in one line, between the header
/// (facts, stamp, bill-to) and the table, touching no other text or box.
#[test]
fn the_notice_has_a_band_of_its_own_under_the_header() {
    for (language, notice) in [
        (DocumentLanguage::Zh, NOT_A_FAPIAO_ZH),
        (DocumentLanguage::En, NOT_A_FAPIAO_EN),
    ] {
        let company = "上海市浦东新区超长名称示例人工智能客户服务与数据科技股份有限公司";
        let doc = document(three_lines(), company, InvoiceStatus::Paid, language);
        let pages = portal_pdf::layout::lay_out_for_test(&doc);
        let first = &pages[0];
        assert_eq!(
            first.texts().filter(|t| *t == notice).count(),
            1,
            "{notice}"
        );
        assert!(pages[1..].iter().all(|p| p.texts().all(|t| t != notice)));
        let (nx, ny) = first
            .ops
            .iter()
            .find_map(|op| match op {
                Op::Text { x, y, text, .. } if text == notice => Some((*x, *y)),
                _ => None,
            })
            .unwrap();
        // The widest band around the notice's baseline.
        let (bx, by, bw, bh) = first
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::FillRect { x, y, w, h, .. } if *y < ny && ny < y + h => Some((*x, *y, *w, *h)),
                _ => None,
            })
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .unwrap();
        assert!(bx < nx && bx + bw <= PAGE_WIDTH, "the band spans the text");
        for op in &first.ops {
            match op {
                // Other text: from an ascent above its baseline to a descent below.
                Op::Text { y, size, text, .. } if text != notice => {
                    let (top, bottom) = (y - size, y + size * 0.3);
                    assert!(
                        bottom < by || top > by + bh,
                        "{text:?} at {y} meets the notice"
                    );
                }
                // Other boxes (the band's own two share its top and height).
                Op::FillRect { y, h, .. } | Op::StrokeRect { y, h, .. } if (*y, *h) != (by, bh) => {
                    assert!(
                        y + h <= by || *y >= by + bh,
                        "a box at {y} meets the notice"
                    );
                }
                _ => {}
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_invoices_render_at_once_than_the_bound() {
    use portal_billing::InvoiceRenderer;
    let renderer = KrillaInvoiceRenderer::with_concurrency(Seller::demo(), 2).unwrap();
    let lines: Vec<InvoiceLine> = (0..120)
        .map(|i| InvoiceLine::new(format!("第{i}项 / item {i}"), 1, cny("1.00"), six()))
        .collect();
    let renders = (0..8).map(|_| {
        let renderer = renderer.clone();
        let doc = document(
            lines.clone(),
            "示例科技有限公司",
            InvoiceStatus::Pending,
            DocumentLanguage::Zh,
        );
        tokio::spawn(async move { renderer.render(doc).await })
    });
    for render in futures::future::join_all(renders).await {
        assert!(render.unwrap().unwrap().starts_with(b"%PDF"));
    }
    let peak = renderer.peak_renders();
    assert!((1..=2).contains(&peak), "{peak} renders at once");
}
