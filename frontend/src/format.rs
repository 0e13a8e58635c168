//! How numbers, money and exported tables are written for people: grouped digits,
//! two-decimal amounts with their currency, and the usage detail as CSV.

use rust_decimal::Decimal;

use crate::dates::LocalTime;

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

/// Units of a product's usage beyond its plan: conversations and e-mails as counted,
/// seats in seat-days through the `seat_days` template (`{n} 席·天`): `3 席·天`.
pub fn usage_units(product: &str, units: i64, seat_days: &str) -> String {
    let n = grouped(units);
    if product == "agent_seats" {
        fill(seat_days, &[("n", &n)])
    } else {
        n
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

/// The business calendar's date of a timestamp (Asia/Shanghai, as the API dates its
/// invoices): `2025-12-19T10:00:00Z` → `2025-12-19`, `2025-12-19T17:00:00Z` → `2025-12-20`.
/// Text that is not a timestamp is shown as it is.
pub fn date_of(timestamp: &str) -> String {
    match LocalTime::of_timestamp(timestamp) {
        Some(local) => local.day.to_string(),
        None => timestamp.get(..10).unwrap_or(timestamp).to_owned(),
    }
}

/// A timestamp's date and time in the business calendar, to the minute:
/// `2025-12-19T10:00:00Z` → `2025-12-19 18:00`.
pub fn date_time_of(timestamp: &str) -> String {
    match LocalTime::of_timestamp(timestamp) {
        Some(t) => format!("{} {:02}:{:02}", t.day, t.hour, t.minute),
        None => timestamp.to_owned(),
    }
}

/// Fills `{name}` placeholders of a translated template. The app's sentences with several
/// values go through this one function rather than a generated formatter per text.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let value = after.find('}').and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn seats_beyond_the_plan_are_counted_in_seat_days() {
        assert_eq!(usage_units("ai_chat", 12_345, "{n} 席·天"), "12,345");
        assert_eq!(usage_units("email", 0, "{n} seat-days"), "0");
        assert_eq!(usage_units("agent_seats", 3, "{n} 席·天"), "3 席·天");
        assert_eq!(
            usage_units("agent_seats", 1_250, "{n} seat-days"),
            "1,250 seat-days"
        );
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
    fn dates_of_timestamps_in_the_business_calendar() {
        assert_eq!(date_of("2025-12-19T10:00:00Z"), "2025-12-19");
        assert_eq!(date_of("2025-12-19T16:00:00Z"), "2025-12-20");
        assert_eq!(date_of("2025-12-19T15:59:59Z"), "2025-12-19");
        assert_eq!(date_of("short"), "short");
        assert_eq!(date_time_of("2025-12-19T10:05:59Z"), "2025-12-19 18:05");
        assert_eq!(date_time_of("2025-12-31T23:00:00Z"), "2026-01-01 07:00");
        assert_eq!(date_time_of("not a time"), "not a time");
    }

    #[test]
    fn templates_are_filled_by_name() {
        let values = [("plan", "企业版（enterprise）"), ("amount", "¥333.33")];
        assert_eq!(
            fill("升级到 {plan}，补收 {amount}", &values),
            "升级到 企业版（enterprise），补收 ¥333.33"
        );
        assert_eq!(fill("{amount} {amount}", &values), "¥333.33 ¥333.33");
        // Unknown or unclosed placeholders stay as they are.
        assert_eq!(fill("{other} {plan", &values), "{other} {plan");
        assert_eq!(fill("no placeholders", &[]), "no placeholders");
        // A value is never filled again.
        assert_eq!(fill("{a}", &[("a", "{a}")]), "{a}");
    }
}
