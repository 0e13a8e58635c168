//! An amount in Chinese capital numerals (人民币大写), as written on finance documents
//! (contract §14), following the rules for filling in bills and settlement vouchers
//! (《正确填写票据和结算凭证的基本规定》):
//!
//! - Digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟 within a group of four, groups 万 and 亿
//!   (and 万亿 beyond). A leading ten is written 壹拾 (`10.00` → 壹拾元整), never bare 拾.
//! - **零**: zeros between written digits are one 零 (`1001` → 壹仟零壹; `10010` →
//!   壹万零壹拾), also across a group that is all zeros (`100001000` → 壹亿零壹仟).
//!   Zeros at the end of a group before its 万 or 亿 are not written, nor is a 零 after
//!   the group word when the next digit is not zero (`107000` → 壹拾万柒仟, the first of
//!   the two forms the rules allow). Zeros before 元 are not written.
//! - **元角分**: the yuan part ends with 元. With no 角 and no 分 it ends 元**整**. With 角
//!   and no 分 it ends at 角, without 整 (the rules allow either). With 分 but no 角, a
//!   零 comes between 元 and the 分 (`1000000.07` → 壹佰万元零柒分). Below one yuan there is no
//!   元: `0.50` → 伍角, `0.05` → 伍分; zero is 零元整.
//! - **负**: a negative amount is prefixed 负 (`-515.61` → 负伍佰壹拾伍元陆角壹分).
//!
//! Amounts are taken to the fen (already rounded money).

use crate::money::Money;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
/// Places within a group of four, from the right.
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];

/// `money` in capital numerals: `999.00` → 玖佰玖拾玖元整.
pub fn amount_in_words(money: &Money) -> String {
    let mut amount = money.amount();
    amount.rescale(2);
    let fen_total = amount.mantissa();
    let negative = fen_total < 0;
    let fen_total = fen_total.unsigned_abs();
    let yuan = fen_total / 100;
    let jiao = (fen_total / 10 % 10) as usize;
    let fen = (fen_total % 10) as usize;

    let mut out = String::new();
    if negative {
        out.push('负');
    }
    if yuan == 0 && jiao == 0 && fen == 0 {
        out.push_str("零元整");
        return out;
    }
    if yuan > 0 {
        write_yuan(yuan, &mut out);
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) => out.push('整'),
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, 0) => {
            out.push(DIGITS[j]);
            out.push('角');
        }
        (j, f) => {
            out.push(DIGITS[j]);
            out.push('角');
            out.push(DIGITS[f]);
            out.push('分');
        }
    }
    out
}

/// The yuan part (> 0), without 元: 亿 and 万 split it into groups of four digits.
fn write_yuan(yuan: u128, out: &mut String) {
    for (size, word) in [(100_000_000_u128, '亿'), (10_000, '万')] {
        if yuan >= size {
            write_yuan(yuan / size, out);
            out.push(word);
            let rest = yuan % size;
            if rest > 0 {
                // Zeros between the group word and the next digit are one 零.
                if rest < size / 10 {
                    out.push('零');
                }
                write_yuan(rest, out);
            }
            return;
        }
    }
    write_group(yuan, out);
}

/// A group of up to four digits (> 0): 仟佰拾, zeros between digits as one 零, zeros at
/// its end not written.
fn write_group(group: u128, out: &mut String) {
    let digits: Vec<usize> = group
        .to_string()
        .bytes()
        .map(|b| usize::from(b - b'0'))
        .collect();
    let mut pending_zero = false;
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            pending_zero = true;
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(PLACES[digits.len() - 1 - i]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::money::Currency;
    use rust_decimal::Decimal;

    fn words(raw: &str) -> String {
        amount_in_words(&Money::new(raw.parse::<Decimal>().unwrap(), Currency::Cny).unwrap())
    }

    #[test]
    fn the_contracts_examples() {
        assert_eq!(words("999.00"), "玖佰玖拾玖元整");
        assert_eq!(words("1234.50"), "壹仟贰佰叁拾肆元伍角");
        assert_eq!(words("1000000.07"), "壹佰万元零柒分");
        assert_eq!(words("10.00"), "壹拾元整");
    }

    #[test]
    fn below_one_yuan_and_zero() {
        assert_eq!(words("0.00"), "零元整");
        assert_eq!(words("0.05"), "伍分");
        assert_eq!(words("0.50"), "伍角");
        assert_eq!(words("0.55"), "伍角伍分");
        assert_eq!(words("1.00"), "壹元整");
    }

    #[test]
    fn zeros_between_digits_are_one_ling() {
        assert_eq!(words("101.00"), "壹佰零壹元整");
        assert_eq!(words("1000.00"), "壹仟元整");
        assert_eq!(words("1001.10"), "壹仟零壹元壹角");
        assert_eq!(words("10010.00"), "壹万零壹拾元整");
        assert_eq!(words("100000.00"), "壹拾万元整");
        assert_eq!(words("20000000.00"), "贰仟万元整");
        assert_eq!(words("6007.14"), "陆仟零柒元壹角肆分");
        assert_eq!(words("1409.50"), "壹仟肆佰零玖元伍角");
        assert_eq!(words("16409.02"), "壹万陆仟肆佰零玖元零贰分");
        assert_eq!(words("325.04"), "叁佰贰拾伍元零肆分");
    }

    #[test]
    fn zeros_at_a_group_boundary() {
        // The rules allow 壹拾万柒仟 and 壹拾万零柒仟: we write the first.
        assert_eq!(words("107000.53"), "壹拾万柒仟元伍角叁分");
        assert_eq!(words("1680.32"), "壹仟陆佰捌拾元叁角贰分");
        assert_eq!(words("100000001.00"), "壹亿零壹元整");
        assert_eq!(words("100010000.00"), "壹亿零壹万元整");
        assert_eq!(words("100001000.00"), "壹亿零壹仟元整");
        assert_eq!(words("120000000.00"), "壹亿贰仟万元整");
        assert_eq!(words("1000000000000.00"), "壹万亿元整");
        assert_eq!(words("1200000000000.00"), "壹万贰仟亿元整");
    }

    #[test]
    fn negatives_are_prefixed_fu() {
        assert_eq!(words("-515.61"), "负伍佰壹拾伍元陆角壹分");
        assert_eq!(words("-0.05"), "负伍分");
    }

    #[test]
    fn the_issues_fifteen_amounts() {
        for (amount, expected) in [
            ("0.00", "零元整"),
            ("0.05", "伍分"),
            ("0.50", "伍角"),
            ("1.00", "壹元整"),
            ("10.00", "壹拾元整"),
            ("101.00", "壹佰零壹元整"),
            ("1000.00", "壹仟元整"),
            ("1001.10", "壹仟零壹元壹角"),
            ("10010.00", "壹万零壹拾元整"),
            ("100000.00", "壹拾万元整"),
            ("1000000.07", "壹佰万元零柒分"),
            ("999.00", "玖佰玖拾玖元整"),
            ("1234.50", "壹仟贰佰叁拾肆元伍角"),
            ("20000000.00", "贰仟万元整"),
            ("-515.61", "负伍佰壹拾伍元陆角壹分"),
        ] {
            assert_eq!(words(amount), expected, "{amount}");
        }
    }

    #[test]
    fn tens_and_hundred_millions() {
        assert_eq!(words("10.50"), "壹拾元伍角");
        assert_eq!(words("100.05"), "壹佰元零伍分");
        assert_eq!(words("1000000000.00"), "壹拾亿元整");
        assert_eq!(words("10000000000.10"), "壹佰亿元壹角");
    }
}
