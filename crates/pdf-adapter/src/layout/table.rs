//! The line table: 项目 | 数量 | 单价 | 金额（不含税）| 税率 | 税额 | 价税合计 (Item | Qty |
//! Unit price | Net | Rate | Tax | Total). The numeric columns are as wide as their widest
//! figure or heading line (the totals under the table included, as they print in the same
//! columns), so the description gets all the width that is left and wraps within it.

use portal_billing::InvoiceDocument;
use portal_domain::{DocumentTax, InvoiceLine};

use super::{BLACK, BOTTOM, GREY, HEADER_FILL, MARGIN, Op, RIGHT, Rgb, Seller, Writer};
use crate::format;
use crate::metrics::FontMetrics;
use crate::words::{Heading, Labels, labels_for};

/// Body text of the table and of the totals under it.
pub(super) const BODY: f32 = 8.5;
pub(super) const LEADING: f32 = 10.5;
/// Space under a row's last line.
const ROW_PAD: f32 = 4.5;
const HEAD: f32 = 8.0;
const HEAD_LEADING: f32 = 9.5;
/// Between a cell's text and its column's edges: figures of neighbouring columns are at
/// least twice this apart.
pub(super) const PAD: f32 = 4.5;

/// The numeric columns, left to right (the description is left of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Quantity,
    UnitPrice,
    Net,
    Rate,
    Tax,
    Gross,
}

const COLUMNS: [Col; 6] = [
    Col::Quantity,
    Col::UnitPrice,
    Col::Net,
    Col::Rate,
    Col::Tax,
    Col::Gross,
];

impl Col {
    fn index(self) -> usize {
        self as usize
    }

    fn heading(self, l: &Labels) -> Heading {
        match self {
            Col::Quantity => l.quantity,
            Col::UnitPrice => l.unit_price,
            Col::Net => l.net,
            Col::Rate => l.rate,
            Col::Tax => l.tax,
            Col::Gross => l.gross,
        }
    }
}

/// One invoice line as printed: its description wrapped, its figures per column.
struct Row {
    description: Vec<String>,
    cells: [String; 6],
}

impl Row {
    fn height(&self) -> f32 {
        self.description.len().max(1) as f32 * LEADING + ROW_PAD
    }
}

/// The table of a document, measured.
pub(super) struct Table {
    pub(super) labels: &'static Labels,
    /// Column edges: the description's right (the quantity's left), then the right edge
    /// of each numeric column (the last is the table's right).
    edges: [f32; 7],
    rows: Vec<Row>,
    /// Lines of the header row (the most lines of any heading).
    head_lines: usize,
}

fn cells(line: &InvoiceLine) -> [String; 6] {
    [
        line.quantity.to_string(),
        format::money(&line.unit_price),
        format::money(&line.tax.net_amount),
        line.tax.rate.percent(),
        format::money(&line.tax.tax_amount),
        format::money(&line.amount),
    ]
}

impl Table {
    pub(super) fn new(doc: &InvoiceDocument, tax: &DocumentTax, metrics: &FontMetrics) -> Self {
        let l = labels_for(doc.language, doc.invoice.document);
        let lines: Vec<[String; 6]> = doc.invoice.lines.iter().map(cells).collect();
        // Each column: its widest heading line, line figure or total.
        let mut widths = COLUMNS.map(|col| {
            col.heading(l)
                .iter()
                .map(|h| metrics.width(h, HEAD))
                .fold(0.0, f32::max)
        });
        let mut widen = |col: Col, text: &str| {
            let i = col.index();
            widths[i] = widths[i].max(metrics.width(text, BODY));
        };
        for row in &lines {
            for (col, text) in COLUMNS.iter().zip(row) {
                widen(*col, text);
            }
        }
        for r in &tax.breakdown {
            widen(Col::Net, &format::money(&r.net_amount));
            widen(Col::Rate, &r.rate.percent());
            widen(Col::Tax, &format::money(&r.tax_amount));
            widen(Col::Gross, &format::money(&r.amount));
        }
        widen(Col::Net, &format::money(&tax.net_amount));
        widen(Col::Tax, &format::money(&tax.tax_amount));
        widen(Col::Gross, &format::money(&tax.amount));

        let mut edges = [RIGHT; 7];
        for i in (0..COLUMNS.len()).rev() {
            edges[i] = edges[i + 1] - widths[i] - 2.0 * PAD;
        }
        let desc_width = edges[0] - MARGIN - 2.0 * PAD;
        let rows = doc
            .invoice
            .lines
            .iter()
            .zip(lines)
            .map(|(line, cells)| Row {
                description: metrics.wrap(&line.describe(doc.language), BODY, desc_width),
                cells,
            })
            .collect();
        let head_lines = std::iter::once(l.description)
            .chain(COLUMNS.iter().map(|c| c.heading(l)))
            .map(<[&str]>::len)
            .max()
            .unwrap_or(1)
            .max(1);
        Self {
            labels: l,
            edges,
            rows,
            head_lines,
        }
    }

    /// `text` right-aligned in `col`, on the baseline `y`.
    pub(super) fn cell(
        &self,
        w: &mut Writer<'_>,
        col: Col,
        y: f32,
        size: f32,
        color: Rgb,
        text: impl Into<String>,
    ) {
        w.text_right(self.edges[col.index() + 1] - PAD, y, size, color, text);
    }

    /// The left edge of `col`.
    pub(super) fn left_of(&self, col: Col) -> f32 {
        self.edges[col.index()]
    }

    /// The header row at `y`, headings bottom-aligned; returns where the first row starts.
    pub(super) fn header(&self, w: &mut Writer<'_>, y: f32) -> f32 {
        let h = self.head_lines as f32 * HEAD_LEADING + 9.0;
        w.page().ops.push(Op::FillRect {
            x: MARGIN,
            y,
            w: RIGHT - MARGIN,
            h,
            color: HEADER_FILL,
        });
        let last = y + 12.0 + (self.head_lines - 1) as f32 * HEAD_LEADING;
        let first_of = |heading: Heading| last - (heading.len().max(1) - 1) as f32 * HEAD_LEADING;
        let mut hy = first_of(self.labels.description);
        for line in self.labels.description {
            w.text(MARGIN + PAD, hy, HEAD, GREY, *line);
            hy += HEAD_LEADING;
        }
        // A heading's lines are centred on each other, the widest right-aligned.
        for col in COLUMNS {
            let heading = col.heading(self.labels);
            let widths: Vec<f32> = heading.iter().map(|h| w.metrics.width(h, HEAD)).collect();
            let widest = widths.iter().copied().fold(0.0, f32::max);
            let right = self.edges[col.index() + 1] - PAD;
            let mut hy = first_of(heading);
            for (line, width) in heading.iter().zip(widths) {
                w.text(right - (widest + width) / 2.0, hy, HEAD, GREY, *line);
                hy += HEAD_LEADING;
            }
        }
        y + h
    }

    /// The header and every line from `y`, flowing onto further pages (each with the
    /// header again); returns where the last row ends.
    pub(super) fn lines(
        &self,
        w: &mut Writer<'_>,
        doc: &InvoiceDocument,
        seller: &Seller,
        y: f32,
    ) -> f32 {
        let mut ty = self.header(w, y);
        for row in &self.rows {
            let row_h = row.height();
            if ty + row_h > BOTTOM {
                ty = super::continuation(w, self.labels, doc, seller);
                ty = self.header(w, ty);
            }
            let first = ty + LEADING;
            let mut ly = first;
            for text in &row.description {
                w.text(MARGIN + PAD, ly, BODY, BLACK, text.as_str());
                ly += LEADING;
            }
            for (col, text) in COLUMNS.iter().zip(&row.cells) {
                self.cell(w, *col, first, BODY, BLACK, text.as_str());
            }
            ty += row_h;
            w.rule(ty);
        }
        ty
    }
}
