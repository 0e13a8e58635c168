//! Exports for spreadsheets (§16), made by the server: the bills of a range of periods
//! and a month's usage, as XLSX or CSV in the page's language.

use gloo_net::http::Request;

use super::{Api, Download, Pending};

impl Api {
    /// A file of the months `from` to `to` (`YYYY-MM`) from `path`: the statement, the
    /// bills.
    pub(super) fn months_file(
        self,
        path: &str,
        (from, to): (String, String),
        format: &'static str,
        lang: &'static str,
    ) -> Pending<Download> {
        let request = Request::get(path).query([
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("format", format),
            ("lang", lang),
        ]);
        self.file(request)
    }

    /// The invoices and credit notes of `from` to `to` (`YYYY-MM`).
    pub fn invoices_export(
        self,
        months: (String, String),
        format: &'static str,
        lang: &'static str,
    ) -> Pending<Download> {
        self.months_file("/api/portal/exports/invoices", months, format, lang)
    }

    /// The usage of `month` (`YYYY-MM`), every product per day with the month's figures.
    pub fn usage_export(
        self,
        month: String,
        format: &'static str,
        lang: &'static str,
    ) -> Pending<Download> {
        let request = Request::get("/api/portal/exports/usage").query([
            ("month", month.as_str()),
            ("format", format),
            ("lang", lang),
        ]);
        self.file(request)
    }
}
