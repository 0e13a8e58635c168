//! Under the line table: the totals per VAT rate (net, rate, tax, tax-inclusive, in the
//! table's own columns), their sums for the whole bill, and a band with the amount due in
//! figures and, in the Chinese bill, in capital numerals (大写金额, contract §14); then the
//! payment note. The block stays together: it starts a further page (with the table's
//! header, so its figures keep their headings) when it does not fit.

use portal_billing::InvoiceDocument;
use portal_domain::{DocumentTax, amount_in_words};

use super::table::{BODY, Col, LEADING, PAD, Table};
use super::{BLACK, BOTTOM, GREY, HEADER_FILL, MARGIN, Op, RIGHT, Seller, Writer};
use crate::format;

/// Above the first rate's row, and between the last and the rule over the sums.
const RATE_GAP: f32 = 3.0;
const RULE_GAP: f32 = 1.0;
/// From the band to the note's first baseline.
const NOTE_GAP: f32 = 14.0;
/// A row of totals per rate.
const RATE_ROW: f32 = LEADING + 3.0;
/// The row of sums, set off from the rates by a rule.
const SUM_ROW: f32 = LEADING + 6.5;
const DUE_LABEL: f32 = 10.0;
const DUE_FIGURE: f32 = 12.5;
const WORDS: f32 = 9.5;
/// The amount due's band: one line, or two when the words do not fit beside the figure.
const BAND: f32 = 24.0;
const BAND_TWO_LINES: f32 = 40.0;
const NOTE: f32 = 8.5;

/// The totals from `y` (under the table's last row); returns where they end.
pub(super) fn block(
    w: &mut Writer<'_>,
    table: &Table,
    doc: &InvoiceDocument,
    seller: &Seller,
    tax: &DocumentTax,
    y: f32,
) -> f32 {
    let l = table.labels;
    let amount = &doc.invoice.amount;
    let due = format::money(amount);
    let due_label_x = RIGHT
        - PAD
        - w.metrics.width(&due, DUE_FIGURE)
        - 12.0
        - w.metrics.width(l.total, DUE_LABEL);
    let words = l.in_words.map(|label| (label, amount_in_words(amount)));
    let words_beside = words.as_ref().is_none_or(|(label, text)| {
        MARGIN + PAD + w.metrics.width(label, WORDS) + w.metrics.width(text, WORDS) + 16.0
            <= due_label_x
    });
    let band = if words_beside { BAND } else { BAND_TWO_LINES };
    let note_lines = w.metrics.wrap(l.note, NOTE, RIGHT - MARGIN).len();
    // As drawn below: the gap, the rates, the rule, the sums, the band, the note.
    let height = RATE_GAP
        + tax.breakdown.len() as f32 * RATE_ROW
        + RULE_GAP
        + SUM_ROW
        + band
        + NOTE_GAP
        + note_lines as f32 * NOTE * 1.4;
    let mut y = y;
    if y + height > BOTTOM {
        y = super::continuation(w, l, doc, seller);
        y = table.header(w, y);
    }

    // Per rate.
    y += RATE_GAP;
    for (i, r) in tax.breakdown.iter().enumerate() {
        let base = y + LEADING;
        if i == 0 {
            w.text(MARGIN + PAD, base, BODY, GREY, l.by_rate);
        }
        table.cell(w, Col::Net, base, BODY, BLACK, format::money(&r.net_amount));
        table.cell(w, Col::Rate, base, BODY, BLACK, r.rate.percent());
        table.cell(w, Col::Tax, base, BODY, BLACK, format::money(&r.tax_amount));
        table.cell(w, Col::Gross, base, BODY, BLACK, format::money(&r.amount));
        y += RATE_ROW;
    }

    // The sums, under a rule across the figures.
    y += RULE_GAP;
    w.page().ops.push(Op::Line {
        x1: table.left_of(Col::Net),
        y1: y,
        x2: RIGHT,
        y2: y,
        color: GREY,
        width: 0.6,
    });
    let base = y + LEADING + 2.0;
    w.text(MARGIN + PAD, base, BODY, BLACK, l.sum);
    table.cell(
        w,
        Col::Net,
        base,
        BODY,
        BLACK,
        format::money(&tax.net_amount),
    );
    table.cell(
        w,
        Col::Tax,
        base,
        BODY,
        BLACK,
        format::money(&tax.tax_amount),
    );
    table.cell(w, Col::Gross, base, BODY, BLACK, format::money(&tax.amount));
    y += SUM_ROW;

    // The amount due: in figures on the right, in words on the left (or under it).
    w.page().ops.push(Op::FillRect {
        x: MARGIN,
        y,
        w: RIGHT - MARGIN,
        h: band,
        color: HEADER_FILL,
    });
    w.page().ops.push(Op::Line {
        x1: MARGIN,
        y1: y,
        x2: RIGHT,
        y2: y,
        color: BLACK,
        width: 0.8,
    });
    let base = y + 16.5;
    w.text(due_label_x, base, DUE_LABEL, BLACK, l.total);
    w.text_right(RIGHT - PAD, base, DUE_FIGURE, BLACK, due);
    if let Some((label, text)) = words {
        let words_base = if words_beside { base } else { base + 16.0 };
        w.text(MARGIN + PAD, words_base, WORDS, GREY, label);
        let x = MARGIN + PAD + w.metrics.width(label, WORDS);
        w.text(x, words_base, WORDS, BLACK, text);
    }
    y += band;

    w.paragraph(MARGIN, y + NOTE_GAP, NOTE, GREY, RIGHT - MARGIN, l.note)
}
