//! The unified social credit code (统一社会信用代码, GB 32100-2015): its form, its check
//! character, and the words that tell a user what is wrong with a code they typed.
//!
//! A code is 18 characters from a 31-character alphabet (digits and capital letters
//! without I, O, Z, S, V, so that none can be misread as another):
//!
//! | position | part | values |
//! | --- | --- | --- |
//! | 1 | registration authority (登记管理部门代码) | `1` 机构编制, `2` 外交, `3` 司法行政, `4` 文化, `5` 民政, `6` 旅游, `7` 宗教, `8` 工会, `9` 工商 (market regulation: companies carry `9`), `A` 中央军委改革和编制办公室, `N` 农业, `Y` 其他 |
//! | 2 | organisation type (机构类别代码), per authority | for `9`: `1` 企业, `2` 个体工商户, `3` 农民专业合作社; for `5`: `1` 社会团体, `2` 民办非企业单位, `3` 基金会; `9` "other" under most authorities |
//! | 3–8 | administrative division of the registering office (GB/T 2260) | six digits, e.g. `110000` Beijing |
//! | 9–17 | organisation code (主体标识码, the former 组织机构代码) | alphabet characters |
//! | 18 | check character (校验码) | computed from positions 1–17 |
//!
//! Positions 1 and 2 accept any alphabet character: the authorities' list has grown since
//! 2015 (`A` and `N` came later) and a code the tax bureau accepts must not be refused here
//! for a value this table does not know yet. Positions 3–8 must be digits, as every
//! GB/T 2260 division code is.
//!
//! The check character: with `value(c)` the index of `c` in the alphabet and weights
//! `wᵢ = 3^(i−1) mod 31`, `C18 = (31 − Σᵢ₌₁..₁₇ value(cᵢ)·wᵢ mod 31) mod 31`. As 31 is prime
//! and no weight is 0 mod 31, changing any single character always changes the check.

use std::fmt;
use std::str::FromStr;

use crate::wording::Language;

/// The characters of a code, in the order that gives each its value (`0` is 0, `Y` is 30).
pub const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Letters the standard never uses (they look like 1, 0, 2, 5 and U).
pub const USCC_EXCLUDED_LETTERS: [char; 5] = ['I', 'O', 'Z', 'S', 'V'];
/// The length of a code.
pub const USCC_LEN: usize = 18;
/// The weights of positions 1–17 in the check sum: `3^(i−1) mod 31`.
const WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Positions (1-based) of the administrative division code, digits only.
const DIVISION: std::ops::RangeInclusive<usize> = 3..=8;

/// A unified social credit code that passed [`UnifiedSocialCreditCode::parse`]: 18
/// alphabet characters, upper case, with a matching check character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnifiedSocialCreditCode(String);

/// Why a text is not a unified social credit code. [`UsccError::message`] words it for the
/// person who typed it; `Display` is that message in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Language::En))]
pub enum UsccError {
    /// Not 18 characters (counted after trimming; 0 for an empty field).
    WrongLength { found: usize },
    /// A character outside the alphabet: `found` as typed, at `position` (1-based).
    CharacterNotAllowed { position: usize, found: char },
    /// A letter where positions 3–8 need the digits of an administrative division code.
    DivisionNotDigits { position: usize, found: char },
    /// The 18th character is not the one positions 1–17 call for.
    CheckCharacterMismatch { expected: char, found: char },
}

impl UsccError {
    /// The explanation shown to the person who typed the code.
    pub fn message(&self, language: Language) -> String {
        match (self, language) {
            (UsccError::WrongLength { found: 0 }, Language::Zh) => {
                "请填写 18 位统一社会信用代码。".to_owned()
            }
            (UsccError::WrongLength { found: 0 }, Language::En) => {
                "Enter the 18-character unified social credit code.".to_owned()
            }
            (UsccError::WrongLength { found }, Language::Zh) => {
                format!("统一社会信用代码应为 18 位，输入的是 {found} 位。")
            }
            (UsccError::WrongLength { found }, Language::En) => format!(
                "A unified social credit code has 18 characters; {found} {} entered.",
                if *found == 1 { "was" } else { "were" }
            ),
            (UsccError::CharacterNotAllowed { position, found }, Language::Zh) => format!(
                "第 {position} 位的“{found}”不能用于统一社会信用代码：代码只由数字和大写字母组成，\
                 且从不使用 I、O、Z、S、V{}。",
                hint(*found, language)
            ),
            (UsccError::CharacterNotAllowed { position, found }, Language::En) => format!(
                "Character {position} (\"{found}\") cannot appear in a unified social credit \
                 code: it has only digits and capital letters, and never I, O, Z, S or V{}.",
                hint(*found, language)
            ),
            (UsccError::DivisionNotDigits { position, found }, Language::Zh) => format!(
                "第 3 至 8 位是登记管理机关的行政区划码，只能是数字；第 {position} 位是“{found}”。"
            ),
            (UsccError::DivisionNotDigits { position, found }, Language::En) => format!(
                "Characters 3 to 8 are the registering office's administrative division code \
                 and must be digits; character {position} is \"{found}\"."
            ),
            (UsccError::CheckCharacterMismatch { expected, found }, Language::Zh) => format!(
                "校验码不符：第 18 位是由前 17 位计算出的校验码，按前 17 位应为“{expected}”，\
                 输入的是“{found}”。任何一位输错都会在这里显示出来，请对照营业执照逐位核对。"
            ),
            (UsccError::CheckCharacterMismatch { expected, found }, Language::En) => format!(
                "The check character does not match: the 18th character is computed from the \
                 first 17, which call for \"{expected}\", but \"{found}\" was entered. A typo \
                 anywhere in the code shows up here, so compare every character with the \
                 business licence."
            ),
        }
    }
}

/// The digit an excluded letter is usually a misreading of.
fn hint(found: char, language: Language) -> &'static str {
    match (found.to_ascii_uppercase(), language) {
        ('O', Language::Zh) => "（是否应为数字 0？）",
        ('O', Language::En) => " (did you mean the digit 0?)",
        ('I', Language::Zh) => "（是否应为数字 1？）",
        ('I', Language::En) => " (did you mean the digit 1?)",
        _ => "",
    }
}

/// The value of an alphabet character (`None` outside the alphabet).
fn value(c: char) -> Option<usize> {
    USCC_ALPHABET.find(c)
}

/// The check value of positions 1–17, as a value of the alphabet.
fn check_value(values: &[usize]) -> usize {
    let sum: usize = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

fn character_of(value: usize) -> char {
    USCC_ALPHABET.chars().nth(value).unwrap_or('0')
}

/// The check character that completes the 17 characters `first_17` (upper case), or
/// `None` when they are not 17 alphabet characters. For demo data and tests.
pub fn uscc_check_character(first_17: &str) -> Option<char> {
    let values = first_17.chars().map(value).collect::<Option<Vec<_>>>()?;
    (values.len() == USCC_LEN - 1).then(|| character_of(check_value(&values)))
}

impl UnifiedSocialCreditCode {
    /// Reads a code as a person types it: surrounding whitespace is trimmed and lower-case
    /// letters are taken as upper case (`91350100m000100y43` is `91350100M000100Y43`); the
    /// code is kept in upper case. Checked in this order, the first failure reported: the
    /// length (18), each character in the alphabet, digits at 3–8, the check character.
    pub fn parse(raw: &str) -> Result<Self, UsccError> {
        let typed: Vec<char> = raw.trim().chars().collect();
        if typed.len() != USCC_LEN {
            return Err(UsccError::WrongLength { found: typed.len() });
        }
        let mut values = Vec::with_capacity(USCC_LEN);
        for (i, &c) in typed.iter().enumerate() {
            let v = value(c.to_ascii_uppercase()).ok_or(UsccError::CharacterNotAllowed {
                position: i + 1,
                found: c,
            })?;
            values.push(v);
        }
        if let Some(position) = DIVISION.clone().find(|p| values[p - 1] > 9) {
            return Err(UsccError::DivisionNotDigits {
                position,
                found: typed[position - 1].to_ascii_uppercase(),
            });
        }
        let expected = check_value(&values[..USCC_LEN - 1]);
        if values[USCC_LEN - 1] != expected {
            return Err(UsccError::CheckCharacterMismatch {
                expected: character_of(expected),
                found: typed[USCC_LEN - 1].to_ascii_uppercase(),
            });
        }
        Ok(Self(typed.iter().map(char::to_ascii_uppercase).collect()))
    }

    /// The code, 18 upper-case characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: the registration authority (`9` for companies registered with market
    /// regulation).
    pub fn registration_authority(&self) -> char {
        self.0.chars().next().unwrap_or('0')
    }

    /// Position 2: the organisation type within its authority (`1` 企业 under `9`).
    pub fn organisation_type(&self) -> char {
        self.0.chars().nth(1).unwrap_or('0')
    }

    /// Positions 3–8: the registering office's administrative division code.
    pub fn division_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// Positions 9–17: the organisation code (主体标识码).
    pub fn organisation_code(&self) -> &str {
        self.0.get(8..17).unwrap_or_default()
    }
}

impl fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UnifiedSocialCreditCode {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    /// Codes published with their holders, cross-checked against the algorithm above.
    const PUBLISHED: [&str; 3] = [
        // The worked example of GB 32100-2015 and most validators' tests.
        "91350100M000100Y43",
        // 北京百度网讯科技有限公司 (organisation code 80210043-3).
        "91110000802100433B",
        // 腾讯科技（深圳）有限公司.
        "91440300708461136T",
    ];

    fn complete(first_17: &str) -> String {
        format!("{first_17}{}", uscc_check_character(first_17).unwrap())
    }

    /// Codes built with the algorithm: other authorities and types, letters in the
    /// organisation code, and check values 0 (the "31 is 0" case) and 30 (`Y`).
    fn computed() -> Vec<String> {
        let mut codes: Vec<String> = [
            "11100000000013127", // 机构编制 · 机关
            "12440300455755807", // 机构编制 · 事业单位
            "51110000500000001", // 民政 · 社会团体
            "92310115MA1K3ABCD", // 工商 · 个体工商户
            "93510100MA6CXY123", // 工商 · 农民专业合作社
            "Y1110000000000000", // 其他
            "N2330100MF0000001", // 农业 · 村级集体经济组织
        ]
        .iter()
        .map(|p| complete(p))
        .collect();
        // Search organisation codes until both edge values of the check occur.
        for edge in ['0', 'Y'] {
            let prefix = (0..10_000)
                .map(|n| format!("91110108{n:09}"))
                .find(|p| uscc_check_character(p) == Some(edge))
                .unwrap();
            codes.push(complete(&prefix));
        }
        codes
    }

    #[test]
    fn published_codes_pass() {
        for code in PUBLISHED {
            let parsed = UnifiedSocialCreditCode::parse(code).unwrap();
            assert_eq!(parsed.as_str(), code);
            assert_eq!(
                uscc_check_character(&code[..17]),
                code.chars().last(),
                "{code}"
            );
        }
        let baidu = UnifiedSocialCreditCode::parse(PUBLISHED[1]).unwrap();
        assert_eq!(baidu.registration_authority(), '9');
        assert_eq!(baidu.organisation_type(), '1');
        assert_eq!(baidu.division_code(), "110000");
        assert_eq!(baidu.organisation_code(), "802100433");
        assert_eq!(baidu.to_string(), PUBLISHED[1]);
    }

    #[test]
    fn computed_codes_pass_including_both_edge_check_values() {
        let codes = computed();
        assert!(codes.iter().any(|c| c.ends_with('0')));
        assert!(codes.iter().any(|c| c.ends_with('Y')));
        for code in &codes {
            assert!(UnifiedSocialCreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for weight in WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
        assert_eq!(USCC_ALPHABET.len(), 31);
        for letter in USCC_EXCLUDED_LETTERS {
            assert!(!USCC_ALPHABET.contains(letter));
        }
    }

    #[test]
    fn every_single_substitution_is_caught() {
        let mut codes: Vec<String> = PUBLISHED.iter().map(|c| (*c).to_owned()).collect();
        codes.extend(computed());
        for code in &codes {
            let original: Vec<char> = code.chars().collect();
            for position in 0..USCC_LEN {
                for replacement in USCC_ALPHABET.chars() {
                    if replacement == original[position] {
                        continue;
                    }
                    let mut typo = original.clone();
                    typo[position] = replacement;
                    let typo: String = typo.into_iter().collect();
                    let err = UnifiedSocialCreditCode::parse(&typo).unwrap_err();
                    assert!(
                        matches!(
                            err,
                            UsccError::CheckCharacterMismatch { .. }
                                | UsccError::DivisionNotDigits { .. }
                        ),
                        "{typo}: {err:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn characters_outside_the_alphabet_are_named_with_their_position() {
        let valid: Vec<char> = PUBLISHED[0].chars().collect();
        for position in 0..USCC_LEN {
            for bad in [
                'I', 'O', 'Z', 'S', 'V', 'i', 'o', 'z', 's', 'v', '-', ' ', '中', '０',
            ] {
                let mut typo = valid.clone();
                typo[position] = bad;
                let typo: String = typo.into_iter().collect();
                let err = UnifiedSocialCreditCode::parse(&typo);
                // A space at either end is trimmed, which shortens the code instead.
                if bad == ' ' && (position == 0 || position == USCC_LEN - 1) {
                    assert_eq!(err, Err(UsccError::WrongLength { found: 17 }));
                } else {
                    assert_eq!(
                        err,
                        Err(UsccError::CharacterNotAllowed {
                            position: position + 1,
                            found: bad
                        }),
                        "{typo}"
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_lengths_are_counted_in_characters() {
        let nineteen = format!("{}0", PUBLISHED[0]);
        for (raw, found) in [
            ("", 0),
            ("   ", 0),
            (&PUBLISHED[0][..17], 17),
            (nineteen.as_str(), 19),
            ("统一社会信用代码", 8),
        ] {
            assert_eq!(
                UnifiedSocialCreditCode::parse(raw),
                Err(UsccError::WrongLength { found }),
                "{raw}"
            );
        }
    }

    #[test]
    fn lower_case_and_surrounding_space_are_accepted_and_normalised() {
        let parsed = UnifiedSocialCreditCode::parse("  91350100m000100y43\t").unwrap();
        assert_eq!(parsed.as_str(), "91350100M000100Y43");
        assert_eq!(
            "91110000802100433b".parse::<UnifiedSocialCreditCode>(),
            UnifiedSocialCreditCode::parse("91110000802100433B")
        );
    }

    #[test]
    fn division_code_must_be_digits() {
        let code = complete("9135A100M000100Y4");
        assert_eq!(
            UnifiedSocialCreditCode::parse(&code),
            Err(UsccError::DivisionNotDigits {
                position: 5,
                found: 'A'
            })
        );
    }

    #[test]
    fn mismatch_reports_expected_and_found() {
        let err = UnifiedSocialCreditCode::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(
            err,
            UsccError::CheckCharacterMismatch {
                expected: '3',
                found: '4'
            }
        );
        // A typo in position 5 surfaces at position 18 too.
        let err = UnifiedSocialCreditCode::parse("91351100M000100Y43").unwrap_err();
        assert!(matches!(
            err,
            UsccError::CheckCharacterMismatch { found: '3', .. }
        ));
    }

    #[test]
    fn messages_explain_the_problem_in_both_languages() {
        let mismatch = UsccError::CheckCharacterMismatch {
            expected: '3',
            found: '4',
        };
        let zh = mismatch.message(Language::Zh);
        assert!(zh.contains("第 18 位") && zh.contains("前 17 位") && zh.contains("“3”"));
        let en = mismatch.message(Language::En);
        assert!(en.contains("18th character") && en.contains("first 17"));
        assert_eq!(mismatch.to_string(), en);

        let letter = UsccError::CharacterNotAllowed {
            position: 9,
            found: 'O',
        };
        assert_eq!(
            letter.message(Language::Zh),
            "第 9 位的“O”不能用于统一社会信用代码：代码只由数字和大写字母组成，\
             且从不使用 I、O、Z、S、V（是否应为数字 0？）。"
        );
        assert!(
            letter
                .message(Language::En)
                .contains("never I, O, Z, S or V (did you mean the digit 0?)")
        );

        assert_eq!(
            UsccError::WrongLength { found: 17 }.message(Language::Zh),
            "统一社会信用代码应为 18 位，输入的是 17 位。"
        );
        assert_eq!(
            UsccError::WrongLength { found: 1 }.message(Language::En),
            "A unified social credit code has 18 characters; 1 was entered."
        );
        assert!(
            UsccError::WrongLength { found: 0 }
                .message(Language::En)
                .starts_with("Enter")
        );
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        proptest::sample::select(USCC_ALPHABET.chars().collect::<Vec<_>>())
    }

    proptest! {
        /// Any 17 characters (digits at 3–8) completed by their check character parse; any
        /// one character then changed to another of the alphabet does not.
        #[test]
        fn completed_codes_parse_and_substitutions_fail(
            head in proptest::collection::vec(alphabet_char(), 2),
            division in proptest::collection::vec(0u8..10, 6),
            tail in proptest::collection::vec(alphabet_char(), 9),
            position in 0..USCC_LEN,
            shift in 1usize..31,
        ) {
            let first_17: String = head
                .into_iter()
                .chain(division.into_iter().map(|d| char::from(b'0' + d)))
                .chain(tail)
                .collect();
            let code = complete(&first_17);
            prop_assert!(UnifiedSocialCreditCode::parse(&code).is_ok());
            let mut chars: Vec<char> = code.chars().collect();
            let v = value(chars[position]).unwrap();
            chars[position] = character_of((v + shift) % 31);
            let typo: String = chars.into_iter().collect();
            prop_assert!(UnifiedSocialCreditCode::parse(&typo).is_err());
        }
    }
}
