//! Wording: every domain thing in the reader's language (Simplified Chinese first,
//! English second). Entities keep their facts as data; they are worded here when shown
//! (an invoice line, a product's name, a notification), so the entities know nothing of
//! languages.

mod notices;

use crate::guard::Notice;
use crate::invoice::{InvoiceLine, LineDetail, LineKind, UsageFacts};
use crate::product::Product;

/// The language a document or a line is worded in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Language {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
        }
    }
}

impl Product {
    /// The product's name as customers read it, in `language`.
    pub fn name(self, language: Language) -> &'static str {
        match (self, language) {
            (Product::AiChat, Language::Zh) => "AI 对话",
            (Product::Email, Language::Zh) => "邮件",
            (Product::AgentSeats, Language::Zh) => "坐席",
            (Product::AiChat, Language::En) => "AI chat",
            (Product::Email, Language::En) => "E-mail",
            (Product::AgentSeats, Language::En) => "Agent seats",
        }
    }
}

impl crate::receivables::LedgerEntry {
    /// The statement's description of the entry (摘要), in `language`.
    pub fn describe(&self, language: Language) -> String {
        use crate::receivables::EntryKind;
        let detail = self.detail.as_deref().unwrap_or("");
        match (self.kind, language, detail.is_empty()) {
            (EntryKind::Invoice, Language::Zh, false) => format!("账单（{detail} 账期）"),
            (EntryKind::Invoice, Language::Zh, true) => "账单".to_owned(),
            (EntryKind::Invoice, Language::En, false) => format!("Bill for {detail}"),
            (EntryKind::Invoice, Language::En, true) => "Bill".to_owned(),
            (EntryKind::CreditNote, Language::Zh, false) => format!("贷项通知单（{detail} 账期）"),
            (EntryKind::CreditNote, Language::Zh, true) => "贷项通知单".to_owned(),
            (EntryKind::CreditNote, Language::En, false) => format!("Credit note for {detail}"),
            (EntryKind::CreditNote, Language::En, true) => "Credit note".to_owned(),
            (EntryKind::Payment, Language::Zh, false) => format!("银行转账（{detail}）"),
            (EntryKind::Payment, Language::Zh, true) => "银行转账".to_owned(),
            (EntryKind::Payment, Language::En, false) => format!("Bank transfer ({detail})"),
            (EntryKind::Payment, Language::En, true) => "Bank transfer".to_owned(),
        }
    }
}

impl InvoiceLine {
    /// The line in words, in `language`.
    pub fn describe(&self, language: Language) -> String {
        let Some(d) = &self.detail else {
            return self.description.clone();
        };
        if let Some(usage) = &d.usage {
            return describe_usage(self, d, usage, language);
        }
        match (language, d.kind) {
            (Language::Zh, kind) => format!(
                "{}{}（{}）{} 至 {}，{}/{} 天",
                if kind == LineKind::Reversal {
                    "冲销："
                } else {
                    ""
                },
                d.plan_name,
                d.plan_id,
                d.from,
                d.to,
                d.days,
                d.days_in_month
            ),
            (Language::En, kind) => format!(
                "{}{} plan, {} to {}, {}/{} days",
                if kind == LineKind::Reversal {
                    "Reversal: "
                } else {
                    ""
                },
                d.plan_id,
                d.from,
                d.to,
                d.days,
                d.days_in_month
            ),
        }
    }
}

/// A usage line in words.
fn describe_usage(
    line: &InvoiceLine,
    d: &LineDetail,
    facts: &UsageFacts,
    language: Language,
) -> String {
    let name = facts.product.name(language);
    let (month, units, price) = (d.period, line.quantity, line.unit_price.amount());
    let late = d.kind == LineKind::Adjustment;
    match (language, facts.product) {
        (Language::Zh, Product::AgentSeats) => format!(
            "{}{name}超额（{month}）：{}{units} 席·天，¥{price}/席·月，按 {} 天折算；最高 {} 席，含 {} 席",
            if late { "用量调整：" } else { "" },
            if late { "补计 " } else { "超出 " },
            d.days_in_month,
            facts.used,
            facts.included,
        ),
        (Language::Zh, _) => format!(
            "{}{name}超额（{month}）：已用 {}，含 {}，{}{units} × ¥{price}",
            if late { "用量调整：" } else { "" },
            facts.used,
            facts.included,
            if late { "补计 " } else { "超出 " },
        ),
        (Language::En, Product::AgentSeats) => format!(
            "{}{name} overage, {month}: {units} seat-days {} at {price} per seat-month / {} days; highest {}, {} included",
            if late { "Usage adjustment: " } else { "" },
            if late { "more" } else { "beyond the plan" },
            d.days_in_month,
            facts.used,
            facts.included,
        ),
        (Language::En, _) => format!(
            "{}{name} overage, {month}: {} used, {} included, {units} {} × {price}",
            if late { "Usage adjustment: " } else { "" },
            facts.used,
            facts.included,
            if late { "more" } else { "beyond" },
        ),
    }
}

impl Notice {
    /// Title and body in `language`.
    pub fn words(&self, language: Language) -> (String, String) {
        let product_name = |p: Product| p.name(language);
        match (self, language) {
            (Notice::DocumentIssued { .. } | Notice::PaymentReceived { .. }, _) => {
                notices::words(self, language)
            }
            (
                Notice::Quota {
                    product,
                    percent,
                    used,
                    included,
                },
                Language::Zh,
            ) => (
                format!("{}用量已达 {percent}%", product_name(*product)),
                format!("本月已用 {used}，套餐含 {included}。"),
            ),
            (
                Notice::Quota {
                    product,
                    percent,
                    used,
                    included,
                },
                Language::En,
            ) => (
                format!("{} usage reached {percent}%", product_name(*product)),
                format!("{used} used this month of {included} included."),
            ),
            (
                Notice::ProjectedBill {
                    threshold,
                    projected,
                },
                Language::Zh,
            ) => (
                format!("本期账单预计超过 ¥{}", threshold.amount()),
                format!("按本月用量，预计账单 ¥{}。", projected.amount()),
            ),
            (
                Notice::ProjectedBill {
                    threshold,
                    projected,
                },
                Language::En,
            ) => (
                format!("Upcoming bill projected above ¥{}", threshold.amount()),
                format!(
                    "At this month's pace the bill comes to ¥{}.",
                    projected.amount()
                ),
            ),
            (
                Notice::FapiaoIssued {
                    fapiao_number,
                    amount,
                },
                Language::Zh,
            ) => (
                "发票已开具".to_owned(),
                format!(
                    "发票号码 {fapiao_number}，金额 ¥{}，可在“发票”页面下载。",
                    amount.amount()
                ),
            ),
            (
                Notice::FapiaoIssued {
                    fapiao_number,
                    amount,
                },
                Language::En,
            ) => (
                "Fapiao issued".to_owned(),
                format!(
                    "Fapiao no. {fapiao_number} of ¥{} is issued: download it on the Fapiao page.",
                    amount.amount()
                ),
            ),
            (
                Notice::PaymentReminder {
                    invoice_id,
                    amount_due,
                    due_date,
                    overdue,
                },
                Language::Zh,
            ) => {
                if *overdue {
                    (
                        "账单已逾期".to_owned(),
                        format!(
                            "账单 {invoice_id} 已于 {due_date} 到期，待付 ¥{}。请尽快付款，逾期过久将暂停服务。",
                            amount_due.amount()
                        ),
                    )
                } else {
                    (
                        "账单即将到期".to_owned(),
                        format!(
                            "账单 {invoice_id} 待付 ¥{}，请于 {due_date} 前付款。",
                            amount_due.amount()
                        ),
                    )
                }
            }
            (
                Notice::PaymentReminder {
                    invoice_id,
                    amount_due,
                    due_date,
                    overdue,
                },
                Language::En,
            ) => {
                if *overdue {
                    (
                        "Bill overdue".to_owned(),
                        format!(
                            "Bill {invoice_id} was due on {due_date}; ¥{} is owed. Please pay soon: service is suspended when a bill stays overdue.",
                            amount_due.amount()
                        ),
                    )
                } else {
                    (
                        "Bill due soon".to_owned(),
                        format!(
                            "Bill {invoice_id}: ¥{} is due by {due_date}.",
                            amount_due.amount()
                        ),
                    )
                }
            }
        }
    }
}
