//! The fapiao page's rules that need no browser: the profile as the form holds it (text
//! as typed) and the body made of it, which invoices can be chosen, and what an issued
//! file is called and must be.

use portal_api_types::{FapiaoProfile, FapiaoRequest, InvoiceSummary};

use crate::format;
use crate::i18n::Texts;

/// The profile's text fields in the form's order, as the API names them (and its 422
/// `fields`), with their input type and autocomplete token. The title type is a choice,
/// not among them.
pub const FIELDS: [(&str, &str, &str); 7] = [
    ("title", "text", "organization"),
    ("tax_id", "text", "off"),
    ("address", "text", "street-address"),
    ("phone", "tel", "tel"),
    ("bank_name", "text", "off"),
    ("bank_account", "text", "off"),
    ("email", "email", "email"),
];

pub const COMPANY: &str = "company";
pub const INDIVIDUAL: &str = "individual";
pub const NORMAL: &str = "normal";
pub const SPECIAL: &str = "special";

/// Put among the API's 422 `fields` (under `invoice_ids`) when nothing is chosen; the
/// page words it in the reader's language.
pub const NONE_CHOSEN: &str = "\u{0}none_chosen";

/// The profile's fields as the form starts with them, in the order of [`FIELDS`]; a
/// new profile is a company's.
pub fn texts_of(profile: Option<&FapiaoProfile>) -> (String, [String; 7]) {
    let Some(p) = profile else {
        return (COMPANY.to_owned(), Default::default());
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    (
        p.title_type.clone().unwrap_or_else(|| COMPANY.to_owned()),
        [
            text(&p.title),
            text(&p.tax_id),
            text(&p.address),
            text(&p.phone),
            text(&p.bank_name),
            text(&p.bank_account),
            text(&p.email),
        ],
    )
}

/// The body of `PUT /api/portal/fapiao/profile`: every field as typed (the API trims,
/// stores a blank optional field as null and names each bad one).
pub fn profile_of(title_type: String, texts: [String; 7]) -> FapiaoProfile {
    let [
        title,
        tax_id,
        address,
        phone,
        bank_name,
        bank_account,
        email,
    ] = texts.map(Some);
    FapiaoProfile {
        title_type: Some(title_type),
        title,
        tax_id,
        address,
        phone,
        bank_name,
        bank_account,
        email,
    }
}

/// The invoices a fapiao can be requested for: paid, and in no pending or issued request.
pub fn choosable(invoices: Vec<InvoiceSummary>) -> Vec<InvoiceSummary> {
    invoices
        .into_iter()
        .filter(|i| i.status == "paid" && i.fapiao_status == "none")
        .collect()
}

/// A request's facts in `texts`' language, one per line: its kind and amount, then
/// `label：value` for the date, invoices, title, and those it has of the tax id, the
/// fapiao's number and date and the reason for a reversal.
pub fn facts(request: &FapiaoRequest, texts: &Texts) -> String {
    let t = &texts.fapiao;
    let kind = if request.kind == SPECIAL {
        t.kind_special
    } else {
        t.kind_normal
    };
    let mut out = [kind, &format::money(request.amount, &request.currency)].join(" · ");
    let date = format::date_of(&request.created_at);
    let invoices = request.invoice_ids.join(", ");
    let facts = [
        (t.created, Some(&date)),
        (t.invoices, Some(&invoices)),
        (t.title, Some(&request.title)),
        (t.tax_id, request.tax_id.as_ref()),
        (t.number, request.fapiao_number.as_ref()),
        (t.issued_on, request.issued_on.as_ref()),
        (t.reversal_reason, request.reversal_reason.as_ref()),
    ];
    for (label, value) in facts {
        if let Some(value) = value {
            out.push('\n');
            out.push_str(&format::fill(
                t.pair,
                &[("name", label), ("value", value.as_str())],
            ));
        }
    }
    out
}

/// What an issued file is saved as: `fapiao-<number>.<pdf|ofd>`, as the API names it.
pub fn file_name(request: &FapiaoRequest) -> String {
    let number = request
        .fapiao_number
        .as_deref()
        .unwrap_or(&request.request_id);
    let extension = request.file_type.as_deref().unwrap_or("pdf");
    format!("fapiao-{number}.{extension}")
}

/// The file's type when the download is the issued file the contract promises
/// (`application/pdf` or `application/ofd`), not, say, an error page.
pub fn file_mime(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    ["application/pdf", "application/ofd"]
        .into_iter()
        .find(|mime| essence.eq_ignore_ascii_case(mime))
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn invoice(id: &str, status: &str, fapiao_status: &str) -> InvoiceSummary {
        InvoiceSummary {
            invoice_id: id.into(),
            amount: Decimal::new(99_900, 2),
            currency: "CNY".into(),
            period: "2025-11".into(),
            status: status.into(),
            created_at: "2025-11-01T00:00:00Z".into(),
            fapiao_status: fapiao_status.into(),
            amount_paid: Decimal::ZERO,
            amount_due: Decimal::new(99_900, 2),
            due_date: "2025-11-16".into(),
        }
    }

    #[test]
    fn only_paid_invoices_without_a_fapiao_can_be_chosen() {
        let chosen = choosable(vec![
            invoice("A", "paid", "none"),
            invoice("B", "paid", "pending"),
            invoice("C", "paid", "issued"),
            invoice("D", "pending", "none"),
            invoice("E", "overdue", "none"),
            invoice("F", "paid", "none"),
        ]);
        let ids: Vec<&str> = chosen.iter().map(|i| i.invoice_id.as_str()).collect();
        assert_eq!(ids, ["A", "F"]);
    }

    #[test]
    fn the_form_starts_from_the_profile_and_sends_every_field() {
        let (kind, texts) = texts_of(None);
        assert_eq!(kind, COMPANY);
        assert!(texts.iter().all(String::is_empty));

        let profile = FapiaoProfile {
            title_type: Some(INDIVIDUAL.into()),
            title: Some("张三".into()),
            email: Some("zhangsan@example.com".into()),
            ..FapiaoProfile::default()
        };
        let (kind, texts) = texts_of(Some(&profile));
        assert_eq!(kind, INDIVIDUAL);
        assert_eq!(texts[0], "张三");
        assert_eq!(texts[6], "zhangsan@example.com");
        assert_eq!(texts[1], "");

        let sent = profile_of(kind, texts);
        assert_eq!(sent.title_type.as_deref(), Some(INDIVIDUAL));
        assert_eq!(sent.title.as_deref(), Some("张三"));
        assert_eq!(
            sent.tax_id.as_deref(),
            Some(""),
            "blank is the API's to store as null"
        );
        assert_eq!(sent.email.as_deref(), Some("zhangsan@example.com"));
        // The fields are in the order of FIELDS.
        let keys = FIELDS.map(|(key, _, _)| key.to_owned());
        let full = profile_of(COMPANY.into(), keys.clone());
        assert_eq!(full.tax_id.as_deref(), Some("tax_id"));
        assert_eq!(full.bank_account.as_deref(), Some("bank_account"));
        assert_eq!(texts_of(Some(&full)).1, keys);
    }

    fn issued() -> FapiaoRequest {
        FapiaoRequest {
            request_id: "fpq_1".into(),
            status: "issued".into(),
            kind: NORMAL.into(),
            amount: Decimal::new(99_900, 2),
            currency: "CNY".into(),
            net_amount: Decimal::new(94_245, 2),
            tax_amount: Decimal::new(5_655, 2),
            tax_breakdown: Vec::new(),
            amount_in_words: "玖佰玖拾玖元整".into(),
            invoice_ids: vec!["INV1".into()],
            title: "示例科技有限公司".into(),
            tax_id: None,
            created_at: "2025-12-19T10:00:00Z".into(),
            fapiao_number: Some("25112000000012345678".into()),
            issued_on: Some("2025-12-20".into()),
            file_type: Some("ofd".into()),
            reversal_reason: None,
        }
    }

    #[test]
    fn a_request_is_told_line_by_line_in_either_language() {
        use crate::i18n::Locale;

        let mut request = issued();
        assert_eq!(
            facts(&request, Locale::zh.texts()),
            "增值税普通发票 · ¥999.00\n申请日期：2025-12-19\n账单：INV1\n\
             发票抬头：示例科技有限公司\n发票号码：25112000000012345678\n开票日期：2025-12-20"
        );
        request.kind = SPECIAL.into();
        request.tax_id = Some("91350100M000100Y43".into());
        request.invoice_ids.push("INV2".into());
        request.fapiao_number = None;
        request.issued_on = None;
        request.reversal_reason = Some("抬头有误".into());
        assert_eq!(
            facts(&request, Locale::en.texts()),
            "Special VAT fapiao (增值税专用发票) · ¥999.00\nRequested on: 2025-12-19\n\
             Invoices: INV1, INV2\nFapiao title: 示例科技有限公司\n\
             Taxpayer ID: 91350100M000100Y43\nReason for the reversal: 抬头有误"
        );
    }

    #[test]
    fn issued_files_are_named_as_the_api_names_them() {
        let mut request = issued();
        assert_eq!(file_name(&request), "fapiao-25112000000012345678.ofd");
        request.file_type = Some("pdf".into());
        assert_eq!(file_name(&request), "fapiao-25112000000012345678.pdf");
        assert_eq!(file_mime("application/pdf"), Some("application/pdf"));
        assert_eq!(file_mime("Application/OFD; x=1"), Some("application/ofd"));
        assert_eq!(file_mime("application/json"), None);
        assert_eq!(file_mime(""), None);
    }
}
