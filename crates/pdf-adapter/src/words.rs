//! The words printed on the document, per language. The document is a bill (账单), not a
//! Chinese tax invoice (发票, fapiao; contract §12): it is titled and numbered as a bill,
//! and says on the page that it is no fapiao and where to request one.

use portal_billing::DocumentLanguage;
use portal_domain::DocumentKind;

/// A column heading, printed one element per line (a long heading in two short lines
/// keeps its column narrow); read together, the lines are the heading.
pub(crate) type Heading = &'static [&'static str];

pub(crate) struct Labels {
    pub(crate) title: &'static str,
    pub(crate) number: &'static str,
    pub(crate) issued: &'static str,
    pub(crate) due: &'static str,
    pub(crate) period: &'static str,
    pub(crate) status: &'static str,
    pub(crate) bill_to: &'static str,
    pub(crate) contact: &'static str,
    pub(crate) email: &'static str,
    pub(crate) tax_id: &'static str,
    pub(crate) bank: &'static str,
    /// The line table's column headings, each in one or two lines (see [`Heading`]).
    pub(crate) description: Heading,
    pub(crate) quantity: Heading,
    pub(crate) unit_price: Heading,
    /// The net amount (金额, tax excluded).
    pub(crate) net: Heading,
    pub(crate) rate: Heading,
    pub(crate) tax: Heading,
    /// The tax-inclusive amount (价税合计).
    pub(crate) gross: Heading,
    /// Beside the first of the totals per rate.
    pub(crate) by_rate: &'static str,
    /// Beside the sums of all lines.
    pub(crate) sum: &'static str,
    /// Beside the amount due in figures.
    pub(crate) total: &'static str,
    /// Before the amount due in Chinese capital numerals (人民币大写); `None` where the
    /// language does not write amounts in words.
    pub(crate) in_words: Option<&'static str>,
    pub(crate) continued: &'static str,
    pub(crate) note: &'static str,
    /// That the document is a bill, not a fapiao (contract §12), under the header.
    pub(crate) not_a_fapiao: &'static str,
}

const ZH: Labels = Labels {
    title: "账单",
    number: "账单编号",
    // Not 开票日期, the issue date of a fapiao.
    issued: "账单日期",
    due: "付款期限",
    period: "账期",
    status: "状态",
    bill_to: "购买方",
    contact: "联系人",
    email: "邮箱",
    tax_id: "税号",
    bank: "开户行及账号",
    description: &["项目"],
    quantity: &["数量"],
    unit_price: &["单价"],
    net: &["金额", "（不含税）"],
    rate: &["税率"],
    tax: &["税额"],
    gross: &["价税合计"],
    by_rate: "按税率小计",
    sum: "合计",
    total: "价税合计（人民币）",
    in_words: Some("大写金额："),
    continued: "续",
    note: "请于付款期限前将款项汇至上述账户，并注明账单编号。",
    not_a_fapiao: "本账单不是增值税发票。如需发票，请在客户控制台的“发票”页面申请。",
};

const EN: Labels = Labels {
    title: "Bill",
    number: "Bill no.",
    issued: "Issue date",
    due: "Due date",
    period: "Billing period",
    status: "Status",
    bill_to: "Bill to",
    contact: "Contact",
    email: "E-mail",
    tax_id: "Tax ID",
    bank: "Bank account",
    description: &["Item"],
    quantity: &["Qty"],
    unit_price: &["Unit price"],
    net: &["Net"],
    rate: &["Rate"],
    tax: &["Tax"],
    gross: &["Total"],
    by_rate: "By VAT rate",
    sum: "All rates",
    total: "Total (CNY)",
    in_words: None,
    continued: "continued",
    note: "Please pay to the account above by the due date, quoting the bill number.",
    not_a_fapiao: "This bill is not a VAT fapiao. Request a fapiao on the Fapiao page of the customer portal.",
};

/// A credit note's words (贷项通知单, §15): a bill's, titled and numbered as the credit
/// it is, with what becomes of the credit instead of where to pay.
const CN_ZH: Labels = Labels {
    title: "贷项通知单",
    number: "通知单编号",
    issued: "开具日期",
    note: "本通知单的金额已记入贵方账户，自动抵扣最早到期的未付账单，余额可用于后续账单。",
    not_a_fapiao: "本通知单不是增值税发票。已开具发票的，请在客户控制台的“发票”页面申请红冲。",
    ..ZH
};

const CN_EN: Labels = Labels {
    title: "Credit note",
    number: "Credit note no.",
    note: "This credit is entered on your account and applied to your earliest open bills; what remains pays later bills.",
    not_a_fapiao: "This credit note is not a VAT fapiao. Where a fapiao was issued, request its reversal on the Fapiao page.",
    ..EN
};

pub(crate) fn labels(lang: DocumentLanguage) -> &'static Labels {
    match lang {
        DocumentLanguage::Zh => &ZH,
        DocumentLanguage::En => &EN,
    }
}

/// The words of `document` in `lang`.
pub(crate) fn labels_for(lang: DocumentLanguage, document: DocumentKind) -> &'static Labels {
    match (document, lang) {
        (DocumentKind::Invoice, _) => labels(lang),
        (DocumentKind::CreditNote, DocumentLanguage::Zh) => &CN_ZH,
        (DocumentKind::CreditNote, DocumentLanguage::En) => &CN_EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::FontMetrics;

    fn all(l: &Labels) -> Vec<&'static str> {
        let mut words = vec![
            l.title,
            l.number,
            l.issued,
            l.due,
            l.period,
            l.status,
            l.bill_to,
            l.contact,
            l.email,
            l.tax_id,
            l.bank,
            l.by_rate,
            l.sum,
            l.total,
            l.continued,
            l.note,
            l.not_a_fapiao,
        ];
        for heading in [
            l.description,
            l.quantity,
            l.unit_price,
            l.net,
            l.rate,
            l.tax,
            l.gross,
        ] {
            words.extend_from_slice(heading);
        }
        words.extend(l.in_words);
        words
    }

    #[test]
    fn the_font_covers_every_word_of_both_languages() {
        let m = FontMetrics::new(crate::FONT_DATA).unwrap();
        for word in all(&ZH).into_iter().chain(all(&EN)) {
            for c in word.chars() {
                assert!(m.covers(c), "missing glyph for {c:?} in {word:?}");
            }
        }
    }

    #[test]
    fn the_font_covers_amounts_in_capital_numerals() {
        let m = FontMetrics::new(crate::FONT_DATA).unwrap();
        for c in "负零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整".chars() {
            assert!(m.covers(c), "missing glyph for {c:?}");
        }
    }

    #[test]
    fn a_bill_is_not_called_an_invoice_or_a_fapiao() {
        for word in all(&ZH) {
            if word != ZH.not_a_fapiao {
                assert!(!word.contains("发票") && !word.contains("开票"), "{word}");
            }
        }
        for word in all(&EN) {
            assert!(!word.to_lowercase().contains("invoice"), "{word}");
        }
    }
}
