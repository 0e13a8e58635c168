//! Amounts and dates as each language writes them.

use chrono::{Datelike, NaiveDate};
use portal_billing::DocumentLanguage;
use portal_domain::{InvoiceStatus, Money, Month};
use rust_decimal::Decimal;

/// `¥1,234,567.89`; negative amounts as `-¥12.00`. The same in both languages (the
/// currency is CNY); the currency code is printed beside the total.
pub fn money(m: &Money) -> String {
    let mut amount: Decimal = m.amount().abs();
    amount.rescale(2);
    let text = amount.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if m.is_negative() { "-" } else { "" };
    format!("{sign}¥{grouped}.{frac}")
}

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn en_month(month: u32) -> &'static str {
    EN_MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// `2025年12月19日` / `19 Dec 2025`.
pub fn date(d: NaiveDate, lang: DocumentLanguage) -> String {
    match lang {
        DocumentLanguage::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        DocumentLanguage::En => format!("{} {} {}", d.day(), en_month(d.month()), d.year()),
    }
}

/// `2025年12月` / `Dec 2025`.
pub fn period(m: Month, lang: DocumentLanguage) -> String {
    match lang {
        DocumentLanguage::Zh => format!("{}年{}月", m.year(), m.month()),
        DocumentLanguage::En => format!("{} {}", en_month(m.month()), m.year()),
    }
}

pub fn status(s: InvoiceStatus, lang: DocumentLanguage) -> &'static str {
    match (s, lang) {
        (InvoiceStatus::Pending, DocumentLanguage::Zh) => "待支付",
        (InvoiceStatus::Paid, DocumentLanguage::Zh) => "已支付",
        (InvoiceStatus::Overdue, DocumentLanguage::Zh) => "已逾期",
        (InvoiceStatus::Pending, DocumentLanguage::En) => "Pending",
        (InvoiceStatus::Paid, DocumentLanguage::En) => "Paid",
        (InvoiceStatus::Overdue, DocumentLanguage::En) => "Overdue",
        (InvoiceStatus::Issued, DocumentLanguage::Zh) => "已开具",
        (InvoiceStatus::Issued, DocumentLanguage::En) => "Issued",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_domain::Currency;
    use rust_decimal_macros::dec;

    fn cny(d: Decimal) -> Money {
        Money::new(d, Currency::Cny).unwrap()
    }

    #[test]
    fn money_has_yuan_sign_thousands_and_two_decimals() {
        assert_eq!(money(&cny(dec!(999))), "¥999.00");
        assert_eq!(money(&cny(dec!(1234.5))), "¥1,234.50");
        assert_eq!(
            money(&cny(dec!(12345678901234.56))),
            "¥12,345,678,901,234.56"
        );
        assert_eq!(money(&cny(dec!(0.01))), "¥0.01");
        assert_eq!(money(&cny(dec!(-1000))), "-¥1,000.00");
        assert_eq!(money(&cny(dec!(100000))), "¥100,000.00");
    }

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(2025, 12, 9).unwrap();
        assert_eq!(date(d, DocumentLanguage::Zh), "2025年12月9日");
        assert_eq!(date(d, DocumentLanguage::En), "9 Dec 2025");
        let m = Month::parse("2025-01").unwrap();
        assert_eq!(period(m, DocumentLanguage::Zh), "2025年1月");
        assert_eq!(period(m, DocumentLanguage::En), "Jan 2025");
    }
}
