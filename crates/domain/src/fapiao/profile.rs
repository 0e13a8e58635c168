//! The customer's fapiao profile (开票信息): whom fapiao are made out to, the details a
//! special fapiao prints, and the address issued e-fapiao are sent to.

use std::ops::RangeInclusive;

use crate::customer::ContactEmail;
use crate::error::FieldErrors;
use crate::wording::Language;

use super::uscc::UnifiedSocialCreditCode;

pub const TITLE_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 200;
pub const BANK_NAME_MAX: usize = 100;
pub const BANK_ACCOUNT_MAX: usize = 40;
/// Characters in a phone number, spaces and punctuation included.
pub const PHONE_LEN: RangeInclusive<usize> = 5..=20;
/// Digits a phone number has at least (`95588` is the shortest kind in use).
pub const PHONE_MIN_DIGITS: usize = 5;

/// Whom a fapiao is made out to (抬头类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TitleType {
    /// A company or other organisation (单位): needs its unified social credit code.
    Company,
    /// A person (个人).
    Individual,
}

impl TitleType {
    pub fn as_str(self) -> &'static str {
        match self {
            TitleType::Company => "company",
            TitleType::Individual => "individual",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "company" => Some(TitleType::Company),
            "individual" => Some(TitleType::Individual),
            _ => None,
        }
    }
}

/// A fapiao profile that passed [`validate_profile`]. Text is trimmed; optional text left
/// empty is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FapiaoProfile {
    pub title_type: TitleType,
    /// The name printed as the buyer (发票抬头): the company's registered name or the
    /// person's name.
    pub title: String,
    /// The buyer's taxpayer number (纳税人识别号): always present for a company.
    pub tax_id: Option<UnifiedSocialCreditCode>,
    /// Registered address (注册地址), printed on a special fapiao.
    pub address: Option<String>,
    /// Registered phone (注册电话), printed on a special fapiao.
    pub phone: Option<String>,
    /// Bank of the basic account (开户银行), printed on a special fapiao.
    pub bank_name: Option<String>,
    /// Account number (银行账号), printed on a special fapiao, as typed.
    pub bank_account: Option<String>,
    /// Where issued e-fapiao are sent.
    pub email: ContactEmail,
}

impl FapiaoProfile {
    pub fn is_company(&self) -> bool {
        self.title_type == TitleType::Company
    }
}

/// A profile as it comes from a request body, every field optional so that a missing one
/// is reported by name rather than refused as an unreadable body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawFapiaoProfile {
    pub title_type: Option<String>,
    pub title: Option<String>,
    pub tax_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub email: Option<String>,
}

/// Validates a whole profile and reports every bad field at once, by its name:
///
/// - `title_type`: `company` or `individual`.
/// - `title`: required, 1–100 characters after trimming, no control characters.
/// - `tax_id`: required for a company, optional for an individual; when given (not blank),
///   a valid unified social credit code ([`UnifiedSocialCreditCode::parse`]: trimmed, lower
///   case taken as upper case), its reason worded by [`super::UsccError::message`].
/// - `email`: required, an e-mail address ([`ContactEmail::parse`]).
/// - `address` (≤ 200 characters), `bank_name` (≤ 100): optional, no control characters.
/// - `phone`: optional; 5–20 characters of digits, spaces and `+ - ( )`, at least 5 digits.
/// - `bank_account`: optional; at most 40 characters of digits, spaces and hyphens, at
///   least one digit.
///
/// Optional fields that are absent, empty or only whitespace are `None`. Reasons are in
/// English, like every other field error of the API.
pub fn validate_profile(raw: &RawFapiaoProfile) -> Result<FapiaoProfile, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title_type = raw
        .title_type
        .as_deref()
        .map(str::trim)
        .and_then(TitleType::parse);
    if title_type.is_none() {
        errors.add("title_type", "must be company or individual");
    }
    let title = required_text(&mut errors, "title", raw.title.as_deref(), TITLE_MAX);
    let tax_id = match (blank_to_none(raw.tax_id.as_deref()), title_type) {
        (Some(code), _) => UnifiedSocialCreditCode::parse(code)
            .map_err(|e| errors.add("tax_id", e.message(Language::En)))
            .ok(),
        (None, Some(TitleType::Company)) => {
            errors.add(
                "tax_id",
                "required for a company: its 18-character unified social credit code",
            );
            None
        }
        (None, _) => None,
    };
    let address = optional_text(&mut errors, "address", raw.address.as_deref(), ADDRESS_MAX);
    let bank_name = optional_text(
        &mut errors,
        "bank_name",
        raw.bank_name.as_deref(),
        BANK_NAME_MAX,
    );
    let phone = blank_to_none(raw.phone.as_deref()).and_then(|phone| {
        let len = phone.chars().count();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if allowed && PHONE_LEN.contains(&len) && digits >= PHONE_MIN_DIGITS {
            Some(phone.to_owned())
        } else {
            errors.add(
                "phone",
                "must be 5 to 20 characters of digits, spaces and + - ( ), with at least 5 digits",
            );
            None
        }
    });
    let bank_account = blank_to_none(raw.bank_account.as_deref()).and_then(|account| {
        let allowed = account
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
        let has_digit = account.chars().any(|c| c.is_ascii_digit());
        if allowed && has_digit && account.chars().count() <= BANK_ACCOUNT_MAX {
            Some(account.to_owned())
        } else {
            errors.add(
                "bank_account",
                format!(
                    "must be at most {BANK_ACCOUNT_MAX} characters of digits, spaces and hyphens"
                ),
            );
            None
        }
    });
    let email = ContactEmail::parse(raw.email.as_deref().unwrap_or_default())
        .map_err(|why| errors.add("email", why))
        .ok();
    match (title_type, title, email) {
        (Some(title_type), Some(title), Some(email)) if errors.is_empty() => Ok(FapiaoProfile {
            title_type,
            title,
            tax_id,
            address,
            phone,
            bank_name,
            bank_account,
            email,
        }),
        _ => Err(errors),
    }
}

/// The trimmed text, `None` when absent or blank.
fn blank_to_none(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    if blank_to_none(value).is_none() {
        errors.add(field, "must not be empty");
        return None;
    }
    optional_text(errors, field, value, max)
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = blank_to_none(value)?;
    if value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
        None
    } else if value.chars().any(char::is_control) {
        errors.add(field, "must not contain control characters");
        None
    } else {
        Some(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn company() -> RawFapiaoProfile {
        RawFapiaoProfile {
            title_type: Some("company".into()),
            title: Some("  北京百度网讯科技有限公司 ".into()),
            tax_id: Some("91110000802100433b".into()),
            address: Some("北京市海淀区上地十街10号".into()),
            phone: Some("010-5992 8888".into()),
            bank_name: Some("招商银行北京上地支行".into()),
            bank_account: Some("1109 0123 4567 890".into()),
            email: Some("fapiao@example.com".into()),
        }
    }

    fn fields(err: &FieldErrors) -> Vec<&str> {
        err.0.keys().map(String::as_str).collect()
    }

    #[test]
    fn a_full_company_profile_is_trimmed_and_normalised() {
        let profile = validate_profile(&company()).unwrap();
        assert!(profile.is_company());
        assert_eq!(profile.title, "北京百度网讯科技有限公司");
        assert_eq!(
            profile.tax_id.as_ref().map(UnifiedSocialCreditCode::as_str),
            Some("91110000802100433B")
        );
        assert_eq!(profile.phone.as_deref(), Some("010-5992 8888"));
        assert_eq!(profile.email.as_str(), "fapiao@example.com");
    }

    #[test]
    fn a_company_needs_a_valid_tax_id() {
        for missing in [None, Some(""), Some("   ")] {
            let raw = RawFapiaoProfile {
                tax_id: missing.map(Into::into),
                ..company()
            };
            let err = validate_profile(&raw).unwrap_err();
            assert_eq!(fields(&err), ["tax_id"]);
            assert!(err.0["tax_id"].starts_with("required for a company"));
        }
        let raw = RawFapiaoProfile {
            tax_id: Some("91110000802100433C".into()),
            ..company()
        };
        let err = validate_profile(&raw).unwrap_err();
        assert!(err.0["tax_id"].contains("\"B\""), "{}", err.0["tax_id"]);
        assert!(err.0["tax_id"].contains("18th character"));
    }

    #[test]
    fn an_individual_may_leave_out_the_tax_id_but_not_give_a_bad_one() {
        let person = RawFapiaoProfile {
            title_type: Some("individual".into()),
            title: Some("张三".into()),
            email: Some("zhangsan@example.com".into()),
            phone: Some("".into()),
            ..RawFapiaoProfile::default()
        };
        let profile = validate_profile(&person).unwrap();
        assert_eq!(profile.title_type, TitleType::Individual);
        assert_eq!(profile.tax_id, None);
        assert_eq!(profile.phone, None);
        let bad = RawFapiaoProfile {
            tax_id: Some("12345".into()),
            ..person
        };
        let err = validate_profile(&bad).unwrap_err();
        assert_eq!(
            err.0["tax_id"],
            "A unified social credit code has 18 characters; 5 were entered."
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let raw = RawFapiaoProfile {
            title_type: Some("business".into()),
            title: Some(" ".into()),
            tax_id: Some("91110000802100433O".into()),
            address: Some("地".repeat(201)),
            phone: Some("1234".into()),
            bank_name: Some("银\u{7}行".into()),
            bank_account: Some("6222-abcd".into()),
            email: Some("not-an-address".into()),
        };
        let err = validate_profile(&raw).unwrap_err();
        assert_eq!(
            fields(&err),
            [
                "address",
                "bank_account",
                "bank_name",
                "email",
                "phone",
                "tax_id",
                "title",
                "title_type"
            ]
        );
        assert_eq!(err.0["address"], "must be at most 200 characters");
        assert_eq!(err.0["bank_name"], "must not contain control characters");
        assert!(err.0["tax_id"].contains("Character 18 (\"O\")"));
        let empty = validate_profile(&RawFapiaoProfile::default()).unwrap_err();
        assert_eq!(fields(&empty), ["email", "title", "title_type"]);
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let ok = RawFapiaoProfile {
            title: Some("公".repeat(TITLE_MAX)),
            address: Some("地".repeat(ADDRESS_MAX)),
            bank_name: Some("银".repeat(BANK_NAME_MAX)),
            bank_account: Some("1".repeat(BANK_ACCOUNT_MAX)),
            ..company()
        };
        assert!(validate_profile(&ok).is_ok());
        let long = RawFapiaoProfile {
            title: Some("公".repeat(TITLE_MAX + 1)),
            bank_name: Some("银".repeat(BANK_NAME_MAX + 1)),
            bank_account: Some("1".repeat(BANK_ACCOUNT_MAX + 1)),
            ..company()
        };
        let err = validate_profile(&long).unwrap_err();
        assert_eq!(fields(&err), ["bank_account", "bank_name", "title"]);
    }

    #[test]
    fn phones_are_digits_and_common_punctuation() {
        for ok in [
            "95588",
            "+86 (10) 5992-8888",
            "13800138000",
            "0755-8601 3388",
        ] {
            let raw = RawFapiaoProfile {
                phone: Some(ok.into()),
                ..company()
            };
            assert!(validate_profile(&raw).is_ok(), "{ok}");
        }
        for bad in [
            "1234",
            "123456789012345678901",
            "(+-) 1234",
            "010-5992x8888",
            "０１０５９９２８８８８",
        ] {
            let raw = RawFapiaoProfile {
                phone: Some(bad.into()),
                ..company()
            };
            let err = validate_profile(&raw).unwrap_err();
            assert_eq!(fields(&err), ["phone"], "{bad}");
        }
    }

    #[test]
    fn bank_accounts_are_digits_spaces_and_hyphens() {
        for bad in ["---", "6222 0200 O123", "IBAN DE89"] {
            let raw = RawFapiaoProfile {
                bank_account: Some(bad.into()),
                ..company()
            };
            let err = validate_profile(&raw).unwrap_err();
            assert_eq!(fields(&err), ["bank_account"], "{bad}");
        }
    }

    #[test]
    fn title_types_round_trip() {
        for t in [TitleType::Company, TitleType::Individual] {
            assert_eq!(TitleType::parse(t.as_str()), Some(t));
        }
        assert_eq!(TitleType::parse("Company"), None);
    }
}
