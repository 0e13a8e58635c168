//! What a customer owes (§15): the balance and credit notes.

use portal_api_types::{
    Balance, CreditNote, CreditNoteList, CreditNoteSummary, PayTo, Statement, StatementEntry,
};

use super::billing::{line, tax_totals};
use crate::json::{Fields, Value, boolean, money, text};

pub fn balance(value: &Value) -> Option<Balance> {
    let f = Fields::of(value)?;
    Some(Balance {
        currency: f.req("currency", text)?,
        outstanding: f.req("outstanding", money)?,
        overdue: f.req("overdue", money)?,
        credit: f.req("credit", money)?,
        next_due_date: f.opt("next_due_date", text)?,
        remittance_code: f.req("remittance_code", text)?,
        suspended: f.req("suspended", boolean)?,
        pay_to: f.req("pay_to", |value| {
            let f = Fields::of(value)?;
            Some(PayTo {
                account_name: f.req("account_name", text)?,
                bank_name: f.req("bank_name", text)?,
                account_number: f.req("account_number", text)?,
            })
        })?,
    })
}

pub fn credit_note_list(value: &Value) -> Option<CreditNoteList> {
    let f = Fields::of(value)?;
    Some(CreditNoteList {
        credit_notes: f.list("credit_notes", |value| {
            let f = Fields::of(value)?;
            Some(CreditNoteSummary {
                credit_note_id: f.req("credit_note_id", text)?,
                amount: f.req("amount", money)?,
                currency: f.req("currency", text)?,
                period: f.req("period", text)?,
                status: f.req("status", text)?,
                created_at: f.req("created_at", text)?,
            })
        })?,
        next_cursor: f.opt("next_cursor", text)?,
    })
}

pub fn credit_note(value: &Value) -> Option<CreditNote> {
    let f = Fields::of(value)?;
    let (net_amount, tax_amount, tax_breakdown) = tax_totals(&f)?;
    Some(CreditNote {
        credit_note_id: f.req("credit_note_id", text)?,
        amount: f.req("amount", money)?,
        currency: f.req("currency", text)?,
        period: f.req("period", text)?,
        status: f.req("status", text)?,
        created_at: f.req("created_at", text)?,
        lines: f.list("lines", line)?,
        net_amount,
        tax_amount,
        tax_breakdown,
        amount_in_words: f.req("amount_in_words", text)?,
        credits_invoice_ids: f.list("credits_invoice_ids", text)?,
    })
}

pub fn statement(value: &Value) -> Option<Statement> {
    let f = Fields::of(value)?;
    Some(Statement {
        from: f.req("from", text)?,
        to: f.req("to", text)?,
        currency: f.req("currency", text)?,
        opening_balance: f.req("opening_balance", money)?,
        entries: f.list("entries", |value| {
            let f = Fields::of(value)?;
            Some(StatementEntry {
                date: f.req("date", text)?,
                kind: f.req("kind", text)?,
                id: f.req("id", text)?,
                description: f.req("description", text)?,
                debit: f.req("debit", money)?,
                credit: f.req("credit", money)?,
                balance: f.req("balance", money)?,
            })
        })?,
        closing_balance: f.req("closing_balance", money)?,
    })
}
