//! The notifications of receivables (§16): an invoice or credit note issued, a payment
//! received, worded in the reader's language.

use super::Language;
use crate::guard::Notice;
use crate::invoice::DocumentKind;

/// Title and body of a receivables notice in `language` (other notices: empty).
pub fn words(notice: &Notice, language: Language) -> (String, String) {
    match (notice, language) {
        (
            Notice::DocumentIssued {
                document: DocumentKind::Invoice,
                id,
                amount,
                due_date,
            },
            Language::Zh,
        ) => (
            "新账单已出".to_owned(),
            format!(
                "账单 {id} 金额 ¥{}，请于 {due_date} 前付款。",
                amount.amount()
            ),
        ),
        (
            Notice::DocumentIssued {
                document: DocumentKind::Invoice,
                id,
                amount,
                due_date,
            },
            Language::En,
        ) => (
            "New bill issued".to_owned(),
            format!("Bill {id} of ¥{} is due by {due_date}.", amount.amount()),
        ),
        (
            Notice::DocumentIssued {
                document: DocumentKind::CreditNote,
                id,
                amount,
                ..
            },
            Language::Zh,
        ) => (
            "已开具贷项通知单".to_owned(),
            format!(
                "贷项通知单 {id} 冲减 ¥{}，已抵扣未付账单或计入账户余额。",
                amount.amount()
            ),
        ),
        (
            Notice::DocumentIssued {
                document: DocumentKind::CreditNote,
                id,
                amount,
                ..
            },
            Language::En,
        ) => (
            "Credit note issued".to_owned(),
            format!(
                "Credit note {id} credits ¥{}: applied to open bills or kept as credit on the account.",
                amount.amount()
            ),
        ),
        (
            Notice::PaymentReceived {
                payment_id,
                amount,
                reference,
            },
            Language::Zh,
        ) => (
            "已收到付款".to_owned(),
            format!(
                "收到付款 ¥{}（{payment_id}，付款参考 {reference}），已抵扣未付账单。",
                amount.amount()
            ),
        ),
        (
            Notice::PaymentReceived {
                payment_id,
                amount,
                reference,
            },
            Language::En,
        ) => (
            "Payment received".to_owned(),
            format!(
                "¥{} received ({payment_id}, reference {reference}) and applied to open bills.",
                amount.amount()
            ),
        ),
        _ => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::money::{Currency, Money};

    #[test]
    fn each_notice_is_worded_in_each_language_with_its_object() {
        let notices = [
            Notice::DocumentIssued {
                document: DocumentKind::Invoice,
                id: "INV202612001".into(),
                amount: Money::from_minor(99_900, Currency::Cny),
                due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
            },
            Notice::DocumentIssued {
                document: DocumentKind::CreditNote,
                id: "CN202612001".into(),
                amount: Money::from_minor(51_561, Currency::Cny),
                due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
            },
            Notice::PaymentReceived {
                payment_id: "PAY1".into(),
                amount: Money::from_minor(99_900, Currency::Cny),
                reference: "BANK-7".into(),
            },
        ];
        for notice in &notices {
            let (zh_title, zh_body) = notice.words(Language::Zh);
            let (en_title, en_body) = notice.words(Language::En);
            assert!(zh_title.chars().any(|c| c > '\u{4e00}'), "{zh_title}");
            assert!(en_title.is_ascii() && !en_title.is_empty(), "{en_title}");
            assert!(zh_body.contains('¥') && en_body.contains('¥'));
        }
        assert!(notices[0].words(Language::Zh).1.contains("INV202612001"));
        assert!(notices[1].words(Language::En).1.contains("515.61"));
        assert_eq!(notices[2].kind(), "payment.received");
        assert_eq!(notices[1].kind(), "credit_note.issued");
    }
}
