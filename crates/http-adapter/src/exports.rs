//! The statement (对账单) as files: CSV (UTF-8 with a BOM, so Excel reads the Chinese
//! headers; every text cell that a spreadsheet would take for a formula is written with a
//! leading `'`) and XLSX (amounts as numbers formatted to the fen, dates as dates).

use anyhow::Context;
use portal_api_types as api;
use portal_domain::Language;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The columns, in the reader's language.
fn headers(language: Language) -> [&'static str; 7] {
    match language {
        Language::Zh => ["日期", "类型", "单号", "摘要", "借方", "贷方", "余额"],
        Language::En => [
            "Date",
            "Type",
            "Number",
            "Description",
            "Debit",
            "Credit",
            "Balance",
        ],
    }
}

fn kind_name(kind: &str, language: Language) -> &'static str {
    match (kind, language) {
        ("invoice", Language::Zh) => "账单",
        ("credit_note", Language::Zh) => "贷项通知单",
        ("payment", Language::Zh) => "付款",
        ("invoice", Language::En) => "Bill",
        ("credit_note", Language::En) => "Credit note",
        _ => "Payment",
    }
}

/// `(opening, closing)` row labels.
fn balance_labels(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Zh => ("期初余额", "期末余额"),
        Language::En => ("Opening balance", "Closing balance"),
    }
}

/// A text cell as a spreadsheet may read it: one that would start a formula gets `'`.
pub fn formula_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The statement as CSV bytes.
pub fn statement_csv(s: &api::Statement, language: Language) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(headers(language))?;
        let (opening, closing) = balance_labels(language);
        let first = format!("{}-01", s.from);
        w.write_record([
            &first,
            "",
            "",
            opening,
            "",
            "",
            &s.opening_balance.to_string(),
        ])?;
        for e in &s.entries {
            w.write_record([
                e.date.as_str(),
                kind_name(&e.kind, language),
                &formula_safe(&e.id),
                &formula_safe(&e.description),
                &e.debit.to_string(),
                &e.credit.to_string(),
                &e.balance.to_string(),
            ])?;
        }
        w.write_record(["", "", "", closing, "", "", &s.closing_balance.to_string()])?;
        w.flush()?;
    }
    Ok(out)
}

fn number(d: Decimal) -> f64 {
    // Two decimals: exact in a double far beyond any bill (Excel keeps doubles).
    d.to_f64().unwrap_or(0.0)
}

/// A `YYYY-MM-DD` date as a spreadsheet date.
pub(crate) fn excel_date(raw: &str) -> Option<ExcelDateTime> {
    let d = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).ok()?,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

/// The statement as an XLSX workbook of one sheet.
pub fn statement_xlsx(
    s: &api::Statement,
    company: &str,
    language: Language,
) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let title = match language {
        Language::Zh => "对账单",
        Language::En => "Statement",
    };
    sheet.set_name(title)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let money_bold = Format::new().set_num_format("#,##0.00").set_bold();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_string_with_format(0, 0, format!("{title} {} – {}", s.from, s.to), &bold)?;
    sheet.write_string(1, 0, formula_safe(company))?;
    sheet.write_string(1, 3, &s.currency)?;
    for (col, header) in (0u16..).zip(headers(language)) {
        sheet.write_string_with_format(3, col, header, &bold)?;
    }
    let (opening, closing) = balance_labels(language);
    sheet.write_string_with_format(4, 3, opening, &bold)?;
    sheet.write_number_with_format(4, 6, number(s.opening_balance), &money_bold)?;
    let mut row = 5u32;
    for e in &s.entries {
        match excel_date(&e.date) {
            Some(d) => sheet.write_datetime_with_format(row, 0, &d, &day)?,
            None => sheet.write_string(row, 0, &e.date)?,
        };
        sheet.write_string(row, 1, kind_name(&e.kind, language))?;
        sheet.write_string(row, 2, formula_safe(&e.id))?;
        sheet.write_string(row, 3, formula_safe(&e.description))?;
        sheet.write_number_with_format(row, 4, number(e.debit), &money)?;
        sheet.write_number_with_format(row, 5, number(e.credit), &money)?;
        sheet.write_number_with_format(row, 6, number(e.balance), &money)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 3, closing, &bold)?;
    sheet.write_number_with_format(row, 6, number(s.closing_balance), &money_bold)?;
    for (col, width) in [
        (0u16, 12.0),
        (1, 12.0),
        (2, 16.0),
        (3, 30.0),
        (4, 14.0),
        (5, 14.0),
        (6, 14.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    book.save_to_buffer().context("writing the workbook")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_be_a_formula_is_quoted() {
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("-1+1"), "'-1+1");
        assert_eq!(formula_safe("@SUM"), "'@SUM");
        assert_eq!(formula_safe("账单（2026-12 账期）"), "账单（2026-12 账期）");
    }
}
