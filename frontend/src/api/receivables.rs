//! What the customer owes (§15): the balance, credit notes, the statement.

use gloo_net::http::Request;
use portal_api_types::{Balance, Costs, CreditNote, CreditNoteList, Statement};

use super::{Api, Download, LARGEST_PAGE, Pending, path_segment};
use crate::bodies;

impl Api {
    /// What the customer owes, holds, and where to pay (§15).
    pub fn balance(self) -> Pending<Balance> {
        self.get(Request::get("/api/portal/balance"), bodies::balance)
    }

    /// What each of the last twelve months cost (费用分析).
    pub fn costs(self) -> Pending<Costs> {
        let request = Request::get("/api/portal/costs").query([("months", "12")]);
        self.get(request, bodies::costs)
    }

    /// The newest credit notes: the largest page.
    pub fn credit_notes(self) -> Pending<CreditNoteList> {
        let request = Request::get("/api/portal/credit-notes").query([("limit", LARGEST_PAGE)]);
        self.get(request, bodies::credit_note_list)
    }

    /// One credit note, its lines worded in `lang`.
    pub fn credit_note(self, id: String, lang: &'static str) -> Pending<CreditNote> {
        let url = format!("/api/portal/credit-notes/{}", path_segment(&id));
        self.get(
            Request::get(&url).query([("lang", lang)]),
            bodies::credit_note,
        )
    }

    /// The statement of `from` to `to` (`YYYY-MM`), worded in `lang`.
    pub fn statement(self, from: String, to: String, lang: &'static str) -> Pending<Statement> {
        let request = Request::get("/api/portal/statement").query([
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("lang", lang),
        ]);
        self.get(request, bodies::statement)
    }

    /// The statement as a file, `format` `xlsx` or `csv`.
    pub fn statement_file(
        self,
        months: (String, String),
        format: &'static str,
        lang: &'static str,
    ) -> Pending<Download> {
        self.months_file("/api/portal/statement", months, format, lang)
    }

    /// A credit note's PDF, in `lang`.
    pub fn credit_note_pdf(self, id: String, lang: &'static str) -> Pending<Download> {
        let url = format!("/api/portal/credit-notes/{}/pdf", path_segment(&id));
        self.file(Request::get(&url).query([("lang", lang)]))
    }
}
