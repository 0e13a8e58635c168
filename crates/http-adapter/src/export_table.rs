//! A table for spreadsheets, written as CSV (UTF-8 with a BOM so Excel reads Chinese
//! headers; any text cell a spreadsheet would take for a formula gets a leading `'`) or
//! as an XLSX sheet (amounts as numbers formatted to the fen, dates as dates, counts as
//! numbers). The exports of §16 are tables of this kind.

use anyhow::Context;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook};

use crate::exports::formula_safe;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// An amount of money (two decimals).
    Money(Decimal),
    Count(i64),
    /// `YYYY-MM-DD`.
    Date(String),
    Empty,
}

/// A sheet: its name, a title line above, the column headers and the rows.
pub struct Table {
    pub sheet: &'static str,
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// CSV bytes: the headers, then the rows (the title is the file's name's business).
    pub fn csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::from("\u{feff}".as_bytes());
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(&self.headers)?;
            for row in &self.rows {
                w.write_record(row.iter().map(|cell| match cell {
                    Cell::Text(text) => formula_safe(text),
                    Cell::Money(amount) => amount.to_string(),
                    Cell::Count(n) => n.to_string(),
                    Cell::Date(date) => date.clone(),
                    Cell::Empty => String::new(),
                }))?;
            }
            w.flush()?;
        }
        Ok(out)
    }

    /// An XLSX workbook of one sheet: the title, a blank row, the headers, the rows.
    pub fn xlsx(&self) -> anyhow::Result<Vec<u8>> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet)?;
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let day = Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_string_with_format(0, 0, formula_safe(&self.title), &bold)?;
        for (col, header) in (0u16..).zip(&self.headers) {
            sheet.write_string_with_format(2, col, *header, &bold)?;
            let width: f64 = if col == 0 { 14.0 } else { 12.0 };
            sheet.set_column_width(col, width.max(header.chars().count() as f64 * 2.2))?;
        }
        for (row, cells) in (3u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Text(text) => {
                        sheet.write_string(row, col, formula_safe(text))?;
                    }
                    // Two decimals: exact in a double far beyond any bill.
                    Cell::Money(amount) => {
                        sheet.write_number_with_format(
                            row,
                            col,
                            amount.to_f64().unwrap_or(0.0),
                            &money,
                        )?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Date(raw) => match crate::exports::excel_date(raw) {
                        Some(date) => {
                            sheet.write_datetime_with_format(row, col, &date, &day)?;
                        }
                        None => {
                            sheet.write_string(row, col, raw)?;
                        }
                    },
                    Cell::Empty => {}
                }
            }
        }
        book.save_to_buffer().context("writing the workbook")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_headers_and_formula_safe_text() {
        let table = Table {
            sheet: "账单",
            title: "t".into(),
            headers: vec!["单号", "金额"],
            rows: vec![vec![
                Cell::Text("=1+1".into()),
                Cell::Money(Decimal::new(-51561, 2)),
            ]],
        };
        let text = String::from_utf8(table.csv().unwrap()).unwrap();
        assert_eq!(text, "\u{feff}单号,金额\n'=1+1,-515.61\n");
    }
}
