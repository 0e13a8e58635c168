//! The remittance code (汇款识别码): eight characters of `0-9A-Z` without `I` and `O` that
//! a customer writes in a bank transfer's memo, so finance can match the money to the
//! customer (contract §15). Seven random characters and a check character: a code with
//! one character mistyped is told apart from an unknown one (any single wrong character
//! changes the check; a weighted sum modulo 34 cannot also catch every swap of
//! neighbours, so it does not claim to).

use std::fmt;

/// The 34 characters of a code, in the order of their values.
const ALPHABET: &[u8; 34] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemittanceCode(String);

/// Why a text is not a remittance code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemittanceCodeError {
    #[error("must be 8 characters")]
    Length,
    #[error("character {position} ({found}) is not one of 0-9 and A-Z without I and O")]
    Character { position: usize, found: char },
    #[error("the check character does not match: a character is mistyped")]
    Check,
}

fn value_of(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

/// The check character of seven values: their sum weighted 1, 3, …, 13 modulo 34. Each
/// weight is coprime with 34 (odd, not 17), so changing any one value changes the sum.
fn check_of(values: &[usize]) -> usize {
    const WEIGHTS: [usize; 7] = [1, 3, 5, 7, 9, 11, 13];
    values
        .iter()
        .zip(WEIGHTS)
        .map(|(v, w)| v * w)
        .sum::<usize>()
        % ALPHABET.len()
}

impl RemittanceCode {
    /// A code from seven random values (each taken modulo 34), with its check character.
    pub fn from_random(random: [u8; 7]) -> Self {
        let values: Vec<usize> = random
            .iter()
            .map(|b| usize::from(*b) % ALPHABET.len())
            .collect();
        let mut code: String = values.iter().map(|&v| char::from(ALPHABET[v])).collect();
        code.push(char::from(ALPHABET[check_of(&values)]));
        Self(code)
    }

    /// A code as a person typed it: surrounding spaces and inner spaces or hyphens
    /// dropped, lower case read as upper case.
    pub fn parse(raw: &str) -> Result<Self, RemittanceCodeError> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.chars().count() != LEN {
            return Err(RemittanceCodeError::Length);
        }
        let mut values = Vec::with_capacity(LEN);
        for (i, c) in cleaned.chars().enumerate() {
            let value =
                u8::try_from(c)
                    .ok()
                    .and_then(value_of)
                    .ok_or(RemittanceCodeError::Character {
                        position: i + 1,
                        found: c,
                    })?;
            values.push(value);
        }
        if check_of(&values[..LEN - 1]) != values[LEN - 1] {
            return Err(RemittanceCodeError::Check);
        }
        Ok(Self(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemittanceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_generated_code_reads_back_and_has_no_i_or_o() {
        for seed in 0..=255_u8 {
            let random = [seed, seed.wrapping_mul(7), 3, 250, 17, seed ^ 0x5a, 99];
            let code = RemittanceCode::from_random(random);
            assert_eq!(code.as_str().len(), 8);
            assert!(!code.as_str().contains(['I', 'O']), "{code}");
            assert_eq!(RemittanceCode::parse(code.as_str()).unwrap(), code);
        }
    }

    #[test]
    fn typed_forms_are_read_and_mistakes_are_named() {
        let code = RemittanceCode::from_random([1, 2, 3, 4, 5, 6, 7]);
        let spaced = format!(
            " {}-{} ",
            &code.as_str()[..4],
            code.as_str()[4..].to_lowercase()
        );
        assert_eq!(RemittanceCode::parse(&spaced).unwrap(), code);
        assert_eq!(
            RemittanceCode::parse("ABC"),
            Err(RemittanceCodeError::Length)
        );
        assert_eq!(
            RemittanceCode::parse("ABCDEFGO"),
            Err(RemittanceCodeError::Character {
                position: 8,
                found: 'O'
            })
        );
    }

    #[test]
    fn every_single_typo_fails_the_check() {
        for seed in 0..40_u8 {
            let code = RemittanceCode::from_random([seed, 11, seed, 200, 3, 77, seed / 2]);
            let chars: Vec<u8> = code.as_str().bytes().collect();
            for i in 0..LEN {
                for &other in ALPHABET.iter().filter(|&&a| a != chars[i]) {
                    let mut typo = chars.clone();
                    typo[i] = other;
                    let typo = String::from_utf8(typo).unwrap();
                    assert!(RemittanceCode::parse(&typo).is_err(), "{code} → {typo}");
                }
            }
        }
    }
}
