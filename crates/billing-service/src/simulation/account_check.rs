//! The account in the simulation (§15): payments by bank transfer (some by remittance
//! code, some reported twice), and after every step the account's promises:
//!
//! - Σ invoices − Σ credit notes − Σ payments = outstanding − credit (the equation);
//! - no invoice is paid beyond its amount, none owes less than nothing, `paid` exactly
//!   when nothing is due;
//! - credit is applied at once: while credit is held, no invoice is open;
//! - a reference reported again is one payment.

use portal_domain::{Currency, DocumentKind, Invoice, InvoiceStatus, Money, PageRequest, PageSize};

use crate::Portal;
use crate::principal::{PlatformCaller, Principal};
use crate::receivables::PaymentInput;

fn fen(m: &Money) -> Result<i64, String> {
    m.to_minor().map_err(|e| e.to_string())
}

/// Every invoice and credit note of `who`'s customer, in full.
pub(super) async fn documents(portal: &Portal, who: &Principal) -> Result<Vec<Invoice>, String> {
    let size = PageSize::new(PageSize::MAX).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut page = PageRequest::first(size);
    loop {
        let found = portal
            .invoices
            .invoices(who, page.clone())
            .await
            .map_err(|e| e.to_string())?;
        for summary in &found.items {
            let invoice = portal
                .invoices
                .invoice(who, &summary.id)
                .await
                .map_err(|e| e.to_string())?;
            out.push(invoice);
        }
        match found.next {
            Some(key) => page.after = Some(key),
            None => break,
        }
    }
    let mut page = PageRequest::first(size);
    loop {
        let found = portal
            .receivables
            .credit_notes(who, page.clone())
            .await
            .map_err(|e| e.to_string())?;
        for summary in &found.items {
            let view = portal
                .receivables
                .credit_note(who, &summary.id)
                .await
                .map_err(|e| e.to_string())?;
            out.push(view.credit_note);
        }
        match found.next {
            Some(key) => page.after = Some(key),
            None => break,
        }
    }
    Ok(out)
}

/// Reports a bank transfer of `amount` fen for `who`'s customer (by remittance code when
/// `by_code`), and, when `again`, the same reference once more: it must answer the
/// first payment and change nothing.
pub(super) async fn pay(
    portal: &Portal,
    who: &Principal,
    step: usize,
    amount: i64,
    by_code: bool,
    again: bool,
) -> Result<(), String> {
    let platform = PlatformCaller {
        name: "bank".into(),
    };
    let code = portal
        .receivables
        .balance(who)
        .await
        .map_err(|e| e.to_string())?
        .remittance_code;
    let input = PaymentInput {
        amount: Some(
            Money::from_minor(amount, Currency::Cny)
                .amount()
                .to_string(),
        ),
        reference: Some(format!("BANK-{}-{step}", who.customer_id)),
        paid_at: None,
        customer_id: (!by_code).then(|| who.customer_id.to_string()),
        remittance_code: by_code.then(|| code.as_str().to_owned()),
        method: None,
    };
    let first = portal
        .receivables
        .receive_payment(&platform, input.clone())
        .await
        .map_err(|e| e.to_string())?;
    if first.replayed || first.payment.customer_id != who.customer_id {
        return Err(format!("payment {step} was not recorded for its customer"));
    }
    if again {
        let before = portal
            .receivables
            .balance(who)
            .await
            .map_err(|e| e.to_string())?;
        let second = portal
            .receivables
            .receive_payment(&platform, input)
            .await
            .map_err(|e| e.to_string())?;
        let after = portal
            .receivables
            .balance(who)
            .await
            .map_err(|e| e.to_string())?;
        if !second.replayed || second.payment.id != first.payment.id || before != after {
            return Err(format!("payment {step} reported twice was not one payment"));
        }
    }
    Ok(())
}

/// The account's promises for `who`'s customer, given its `documents` and the fen it
/// paid.
pub(super) async fn check_account(
    portal: &Portal,
    who: &Principal,
    documents: &[Invoice],
    paid: i64,
) -> Result<(), String> {
    let balance = portal
        .receivables
        .balance(who)
        .await
        .map_err(|e| e.to_string())?
        .balance;
    let (mut invoiced, mut credited, mut outstanding) = (0_i64, 0_i64, 0_i64);
    for d in documents {
        match d.document {
            DocumentKind::Invoice => {
                invoiced += fen(&d.amount)?;
                let (amount, applied) = (fen(&d.amount)?, fen(&d.amount_paid)?);
                if applied < 0 || applied > amount.max(0) {
                    return Err(format!("{} paid {applied} of {amount}", d.id));
                }
                let due = fen(&d.amount_due().map_err(|e| e.to_string())?)?;
                outstanding += due;
                let paid_status = d.status == InvoiceStatus::Paid;
                if amount > 0 && paid_status != (due == 0) {
                    return Err(format!("{} is {:?} owing {due}", d.id, d.status));
                }
                let listed: i64 = d.applications.iter().map(|a| fen(&a.amount)).sum::<Result<
                    i64,
                    String,
                >>(
                )?;
                if listed != applied {
                    return Err(format!("{} lists {listed} applied of {applied}", d.id));
                }
            }
            DocumentKind::CreditNote => credited -= fen(&d.amount)?,
        }
    }
    let (out, credit) = (fen(&balance.outstanding)?, fen(&balance.credit)?);
    if out != outstanding {
        return Err(format!(
            "outstanding {out} but the invoices owe {outstanding}"
        ));
    }
    if invoiced - credited - paid != out - credit {
        return Err(format!(
            "the equation fails: invoices {invoiced} − credit notes {credited} − payments \
             {paid} ≠ outstanding {out} − credit {credit}"
        ));
    }
    if credit < 0 || (credit > 0 && out > 0) {
        return Err(format!("credit {credit} held while {out} is owed"));
    }
    Ok(())
}
