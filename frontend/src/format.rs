//! How numbers, money and exported tables are written for people: grouped digits,
//! two-decimal amounts with their currency, and the usage detail as CSV.

use portal_api_types::UsageItem;
use rust_decimal::Decimal;

/// `12345678` → `12,345,678` (the grouping both Chinese and English readers expect).
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount with two decimals and its currency: `¥1,234.50` for CNY, `1,234.50 USD`
/// otherwise. The API sends exact decimals; nothing here goes through a float.
pub fn money(amount: Decimal, currency: &str) -> String {
    let rounded = amount.round_dp(2);
    let text = format!("{:.2}", rounded.abs());
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let int_value: i64 = int_part.parse().unwrap_or(0);
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    let number = format!("{sign}{}.{frac}", grouped(int_value));
    match currency {
        "CNY" => format!("¥{number}"),
        other => format!("{number} {other}"),
    }
}

/// `66.7` → `66.7%`, `80` → `80%`.
pub fn percent(value: Decimal) -> String {
    format!("{}%", value.round_dp(1).normalize())
}

/// A bar's filled share, clamped to 0–100 for drawing (usage can exceed its quota).
pub fn bar_width(value: Decimal) -> String {
    let clamped = value.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED).round_dp(1);
    format!("{}%", clamped.normalize())
}

/// The detail table as CSV (RFC 4180, CRLF line ends), with a header row.
pub fn usage_csv(items: &[UsageItem]) -> String {
    let mut out = String::from("date,product,count\r\n");
    for item in items {
        out.push_str(&csv_field(&item.date));
        out.push(',');
        out.push_str(&csv_field(&item.product));
        out.push(',');
        out.push_str(&item.count.to_string());
        out.push_str("\r\n");
    }
    out
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// `2025-12-19T10:00:00Z` → `2025-12-19`.
pub fn date_of(timestamp: &str) -> &str {
    timestamp.get(..10).unwrap_or(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
        assert_eq!(grouped(-50_000), "-50,000");
    }

    #[test]
    fn money_keeps_two_decimals_and_the_currency() {
        assert_eq!(money(Decimal::new(99_900, 2), "CNY"), "¥999.00");
        assert_eq!(money(Decimal::new(123_456_750, 3), "CNY"), "¥123,456.75");
        assert_eq!(money(Decimal::new(5, 1), "USD"), "0.50 USD");
        assert_eq!(money(Decimal::new(-1_050, 2), "CNY"), "¥-10.50");
        assert_eq!(money(Decimal::ZERO, "CNY"), "¥0.00");
    }

    #[test]
    fn percent_and_bar_width() {
        assert_eq!(percent(Decimal::new(667, 1)), "66.7%");
        assert_eq!(percent(Decimal::new(800, 1)), "80%");
        assert_eq!(bar_width(Decimal::new(1234, 1)), "100%");
        assert_eq!(bar_width(Decimal::new(-5, 0)), "0%");
        assert_eq!(bar_width(Decimal::new(425, 1)), "42.5%");
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_item() {
        let items = vec![
            UsageItem {
                date: "2025-12-01".into(),
                product: "ai_chat".into(),
                count: 120,
            },
            UsageItem {
                date: "2025-12-02".into(),
                product: "odd,\"name\"".into(),
                count: 7,
            },
        ];
        assert_eq!(
            usage_csv(&items),
            "date,product,count\r\n2025-12-01,ai_chat,120\r\n2025-12-02,\"odd,\"\"name\"\"\",7\r\n"
        );
        assert_eq!(usage_csv(&[]), "date,product,count\r\n");
    }

    #[test]
    fn dates_of_timestamps() {
        assert_eq!(date_of("2025-12-19T10:00:00Z"), "2025-12-19");
        assert_eq!(date_of("short"), "short");
    }
}
