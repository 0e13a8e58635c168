//! The invoice's layout as drawing operations per A4 page, independent of the PDF
//! library: positions in points from the top-left corner, text as it will be printed.
//! Long texts wrap by measured width; lines flow onto further pages, each with the table
//! header repeated; every page gets a footer with its number.
//! Under the header, a band says that the bill is not a fapiao (see [`crate::words`]).
//! The line table ([`table`]) shows each line's net amount, VAT rate, VAT and
//! tax-inclusive amount (contract §14); under it the totals ([`totals`]): per rate, for
//! the whole bill, and the amount due, in the Chinese bill also in capital numerals.

mod table;
mod totals;

use portal_billing::{DocumentLanguage, InvoiceDocument};
use portal_domain::{InvoiceStatus, MoneyError};

use crate::format;
use crate::metrics::FontMetrics;
use crate::words::{Labels, labels_for};
use table::Table;

pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Content stops here; the footer lives below.
const BOTTOM: f32 = PAGE_HEIGHT - 56.0;

const BLACK: Rgb = Rgb(0x1f, 0x29, 0x37);
const GREY: Rgb = Rgb(0x6b, 0x72, 0x80);
const RULE: Rgb = Rgb(0xd1, 0xd5, 0xdb);
const HEADER_FILL: Rgb = Rgb(0xf3, 0xf4, 0xf6);
const NOTICE_FILL: Rgb = Rgb(0xff, 0xf7, 0xed);
const GREEN: Rgb = Rgb(0x04, 0x78, 0x57);
const ORANGE: Rgb = Rgb(0xb4, 0x53, 0x09);
const RED: Rgb = Rgb(0xb9, 0x1c, 0x1c);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    FillRect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    StrokeRect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
        width: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub ops: Vec<Op>,
}

impl Page {
    /// All the text of the page, in drawing order (for tests and accessibility checks).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.ops.iter().filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

/// The issuer printed on every invoice, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    pub name: String,
    pub address: String,
    pub tax_id: String,
    pub bank_name: String,
    pub bank_account: String,
}

impl Seller {
    /// Placeholders for demos; production sets `PORTAL_SELLER_*`.
    pub fn demo() -> Self {
        Self {
            name: "智服云科技有限公司".into(),
            address: "上海市浦东新区世纪大道 100 号 20 层".into(),
            tax_id: "91310000MA1FL0000X".into(),
            bank_name: "招商银行上海分行".into(),
            bank_account: "1219 0000 0000 0000".into(),
        }
    }

    pub(crate) fn fingerprint(&self) -> String {
        [
            &self.name,
            &self.address,
            &self.tax_id,
            &self.bank_name,
            &self.bank_account,
        ]
        .map(|s| s.len().to_string() + ":" + s)
        .concat()
    }
}

struct Writer<'a> {
    metrics: &'a FontMetrics,
    pages: Vec<Page>,
}

impl Writer<'_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.page().ops.push(Op::Text {
                x,
                y,
                size,
                color,
                text,
            });
        }
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, color: Rgb, text: impl Into<String>) {
        let text = text.into();
        let w = self.metrics.width(&text, size);
        self.text(right - w, y, size, color, text);
    }

    /// Wrapped text from `y` (first baseline); returns the baseline after the last line.
    fn paragraph(&mut self, x: f32, y: f32, size: f32, color: Rgb, width: f32, text: &str) -> f32 {
        let mut y = y;
        for line in self.metrics.wrap(text, size, width) {
            self.text(x, y, size, color, line);
            y += size * 1.4;
        }
        y
    }

    fn rule(&mut self, y: f32) {
        self.page().ops.push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: RIGHT,
            y2: y,
            color: RULE,
            width: 0.6,
        });
    }
}

/// The left column of the header (seller, bill-to) ends here; the invoice facts start
/// to its right.
const LEFT_COLUMN: f32 = 280.0;
const FACTS_X: f32 = RIGHT - 200.0;
const STAMP_HEIGHT: f32 = 24.0;

/// Lays the document out into pages; fails only when its amounts cannot be summed.
pub fn lay_out(
    doc: &InvoiceDocument,
    seller: &Seller,
    metrics: &FontMetrics,
) -> Result<Vec<Page>, MoneyError> {
    let l = labels_for(doc.language, doc.invoice.document);
    let lang = doc.language;
    let invoice = &doc.invoice;
    let tax = invoice.tax()?;
    let mut w = Writer {
        metrics,
        pages: vec![Page::default()],
    };

    // Seller and title.
    let title_size = 24.0;
    w.text_right(RIGHT, MARGIN + 22.0, title_size, BLACK, l.title);
    let name_width = RIGHT - MARGIN - metrics.width(l.title, title_size) - 24.0;
    let mut y = w.paragraph(MARGIN, MARGIN + 16.0, 14.0, BLACK, name_width, &seller.name);
    for line in [
        seller.address.clone(),
        format!("{}: {}", l.tax_id, seller.tax_id),
        format!("{}: {} {}", l.bank, seller.bank_name, seller.bank_account),
    ] {
        y = w.paragraph(MARGIN, y + 2.0, 8.5, GREY, LEFT_COLUMN, &line);
    }

    // Invoice facts, right column.
    let facts = [
        (l.number, invoice.id.to_string()),
        (
            l.issued,
            format::date(invoice.created_at.date_naive(), lang),
        ),
        (l.due, format::date(invoice.due_date, lang)),
        (l.period, format::period(invoice.period, lang)),
        (l.status, format::status(invoice.status, lang).to_owned()),
    ];
    let mut fy = MARGIN + 52.0;
    for (label, value) in facts {
        w.text(FACTS_X, fy, 9.0, GREY, label);
        w.text_right(RIGHT, fy, 9.0, BLACK, value);
        fy += 13.5;
    }
    // The status stamp: paid invoices are marked visibly.
    let (stamp_color, stamp) = match invoice.status {
        InvoiceStatus::Paid => (GREEN, format::status(InvoiceStatus::Paid, lang)),
        InvoiceStatus::Overdue => (RED, format::status(InvoiceStatus::Overdue, lang)),
        InvoiceStatus::Pending => (ORANGE, format::status(InvoiceStatus::Pending, lang)),
        InvoiceStatus::Issued => (GREEN, format::status(InvoiceStatus::Issued, lang)),
    };
    let stamp_size = 13.0;
    let stamp_w = metrics.width(stamp, stamp_size) + 20.0;
    w.page().ops.push(Op::StrokeRect {
        x: RIGHT - stamp_w,
        y: fy,
        w: stamp_w,
        h: STAMP_HEIGHT,
        color: stamp_color,
        width: 1.5,
    });
    w.text(
        RIGHT - stamp_w + 10.0,
        fy + 17.0,
        stamp_size,
        stamp_color,
        stamp,
    );

    // Bill to, under the seller in the left column (beside the facts and the stamp).
    let mut by = y + 14.0;
    w.text(MARGIN, by, 9.0, GREY, l.bill_to);
    by = w.paragraph(
        MARGIN,
        by + 16.0,
        11.5,
        BLACK,
        LEFT_COLUMN,
        &doc.bill_to.company_name,
    );
    for (label, value) in [
        (l.contact, doc.bill_to.contact_name.as_str()),
        (l.email, doc.bill_to.contact_email.as_str()),
    ] {
        by = w.paragraph(
            MARGIN,
            by,
            9.0,
            BLACK,
            LEFT_COLUMN,
            &format!("{label}: {value}"),
        );
    }

    // The notice that this is not a fapiao, full width between the header and the table.
    let ny = by.max(fy + STAMP_HEIGHT) + 8.0;
    let ty = notice(&mut w, l.not_a_fapiao, ny) + 8.0;
    let table = Table::new(doc, &tax, metrics);
    let ty = table.lines(&mut w, doc, seller, ty);
    totals::block(&mut w, &table, doc, seller, &tax, ty);

    // Footers, now that the page count is known.
    let total = w.pages.len();
    for (i, page) in w.pages.iter_mut().enumerate() {
        let footer = match lang {
            DocumentLanguage::Zh => format!("第 {} 页，共 {} 页", i + 1, total),
            DocumentLanguage::En => format!("Page {} of {}", i + 1, total),
        };
        let fw = metrics.width(&footer, 8.0);
        let fy = PAGE_HEIGHT - 32.0;
        page.ops.push(Op::Line {
            x1: MARGIN,
            y1: fy - 12.0,
            x2: RIGHT,
            y2: fy - 12.0,
            color: RULE,
            width: 0.6,
        });
        page.ops.push(Op::Text {
            x: (PAGE_WIDTH - fw) / 2.0,
            y: fy,
            size: 8.0,
            color: GREY,
            text: footer,
        });
        page.ops.push(Op::Text {
            x: MARGIN,
            y: fy,
            size: 8.0,
            color: GREY,
            text: invoice.id.to_string(),
        });
    }
    Ok(w.pages)
}

/// A tinted band from `y` across the page with `text` in it (wrapped should it ever
/// be wider than the band); returns where the band ends.
fn notice(w: &mut Writer<'_>, text: &str, y: f32) -> f32 {
    let size = 9.0;
    let inset = 10.0;
    let lines = w
        .metrics
        .wrap(text, size, RIGHT - MARGIN - 2.0 * inset)
        .len();
    let h = lines as f32 * size * 1.4 + 10.0;
    w.page().ops.push(Op::FillRect {
        x: MARGIN,
        y,
        w: RIGHT - MARGIN,
        h,
        color: NOTICE_FILL,
    });
    w.page().ops.push(Op::FillRect {
        x: MARGIN,
        y,
        w: 2.5,
        h,
        color: ORANGE,
    });
    w.paragraph(
        MARGIN + inset,
        y + 5.0 + size,
        size,
        BLACK,
        RIGHT - MARGIN - 2.0 * inset,
        text,
    );
    y + h
}

/// Starts a further page with a short heading; returns where content continues.
fn continuation(w: &mut Writer<'_>, l: &Labels, doc: &InvoiceDocument, seller: &Seller) -> f32 {
    w.pages.push(Page::default());
    let heading = format!("{} {}（{}）", l.title, doc.invoice.id, l.continued);
    w.text(MARGIN, MARGIN + 10.0, 11.0, BLACK, heading);
    w.text_right(RIGHT, MARGIN + 10.0, 9.0, GREY, seller.name.clone());
    w.rule(MARGIN + 20.0);
    MARGIN + 34.0
}

/// Lays out with the embedded font and the demo seller (for tests of the layout itself).
pub fn lay_out_for_test(doc: &InvoiceDocument) -> Vec<Page> {
    match FontMetrics::new(crate::FONT_DATA) {
        Some(metrics) => lay_out(doc, &Seller::demo(), &metrics).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The width of `text` at `size` points in the embedded font (for tests of the layout:
/// where a text op ends).
pub fn text_width_for_test(text: &str, size: f32) -> f32 {
    FontMetrics::new(crate::FONT_DATA).map_or(0.0, |m| m.width(text, size))
}
