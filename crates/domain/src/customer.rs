//! The customer's account and the rules for changing it.

use chrono::{DateTime, Utc};

use crate::error::FieldErrors;
use crate::ids::CustomerId;

pub const COMPANY_NAME_MAX: usize = 200;
pub const CONTACT_NAME_MAX: usize = 100;
pub const CONTACT_EMAIL_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: CustomerId,
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: ContactEmail,
    pub created_at: DateTime<Utc>,
    /// Bumped by every edit: the account's `ETag`, checked against `If-Match`.
    pub version: i64,
}

/// A contact e-mail address that passed [`ContactEmail::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEmail(String);

impl ContactEmail {
    /// A pragmatic check of `local@domain.tld`: what a person mistypes is caught, and
    /// nothing a mail server accepts in practice is refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.chars().count() > CONTACT_EMAIL_MAX {
            return Err(format!("must be at most {CONTACT_EMAIL_MAX} characters"));
        }
        let Some((local, domain)) = raw.split_once('@') else {
            return Err("must be an e-mail address like name@example.com".into());
        };
        let valid_local = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let valid_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !valid_local || !valid_domain {
            return Err("must be an e-mail address like name@example.com".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> Option<String> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len == 0 {
        errors.add(field, "must not be empty");
        None
    } else if len > max {
        errors.add(field, format!("must be at most {max} characters"));
        None
    } else if trimmed.chars().any(char::is_control) {
        errors.add(field, "must not contain control characters");
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// The data of a new or replaced account, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub company_name: String,
    pub contact_name: String,
    pub contact_email: ContactEmail,
}

impl NewCustomer {
    pub fn parse(
        company_name: &str,
        contact_name: &str,
        contact_email: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let company_name = check_text(&mut errors, "company_name", company_name, COMPANY_NAME_MAX);
        let contact_name = check_text(&mut errors, "contact_name", contact_name, CONTACT_NAME_MAX);
        let contact_email = ContactEmail::parse(contact_email)
            .map_err(|why| errors.add("contact_email", why))
            .ok();
        match (company_name, contact_name, contact_email) {
            (Some(company_name), Some(contact_name), Some(contact_email)) => Ok(Self {
                company_name,
                contact_name,
                contact_email,
            }),
            _ => Err(errors),
        }
    }
}

/// A validated partial update of an account: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub company_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<ContactEmail>,
}

impl AccountChanges {
    /// Validates every given field and reports all failures at once. Values are trimmed.
    pub fn parse(
        company_name: Option<&str>,
        contact_name: Option<&str>,
        contact_email: Option<&str>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let company_name =
            company_name.and_then(|v| check_text(&mut errors, "company_name", v, COMPANY_NAME_MAX));
        let contact_name =
            contact_name.and_then(|v| check_text(&mut errors, "contact_name", v, CONTACT_NAME_MAX));
        let contact_email = contact_email.and_then(|v| {
            ContactEmail::parse(v)
                .map_err(|why| errors.add("contact_email", why))
                .ok()
        });
        errors.into_result()?;
        Ok(Self {
            company_name,
            contact_name,
            contact_email,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.company_name.is_none() && self.contact_name.is_none() && self.contact_email.is_none()
    }

    /// The account as it is after these changes.
    pub fn apply_to(&self, customer: &Customer) -> Customer {
        Customer {
            id: customer.id.clone(),
            company_name: self
                .company_name
                .clone()
                .unwrap_or_else(|| customer.company_name.clone()),
            contact_name: self
                .contact_name
                .clone()
                .unwrap_or_else(|| customer.contact_name.clone()),
            contact_email: self
                .contact_email
                .clone()
                .unwrap_or_else(|| customer.contact_email.clone()),
            created_at: customer.created_at,
            version: customer.version + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_catches_typos_but_not_real_addresses() {
        for ok in [
            "zhangsan@example.com",
            "a.b+tag@mail.example.cn",
            "张三@例子.中国",
        ] {
            assert!(ContactEmail::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "zhangsan",
            "zhangsan@",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@-b.com",
            "a..b@c.com",
        ] {
            assert!(ContactEmail::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(60)) + &".example".repeat(20);
        assert!(ContactEmail::parse(&long).is_err());
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        // 200 Chinese characters are 600 bytes and still within the limit.
        let name = "示".repeat(200);
        assert!(AccountChanges::parse(Some(&name), None, None).is_ok());
        let too_long = "示".repeat(201);
        let err = AccountChanges::parse(Some(&too_long), None, None).unwrap_err();
        assert!(err.0.contains_key("company_name"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let err =
            AccountChanges::parse(Some("   "), Some(&"x".repeat(101)), Some("nope")).unwrap_err();
        let fields: Vec<_> = err.0.keys().cloned().collect();
        assert_eq!(fields, ["company_name", "contact_email", "contact_name"]);
    }

    #[test]
    fn changes_apply_only_to_given_fields_and_trim() {
        let customer = Customer {
            id: CustomerId::parse("cust_a").unwrap(),
            company_name: "Old".into(),
            contact_name: "张三".into(),
            contact_email: ContactEmail::parse("a@example.com").unwrap(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
        };
        let changes = AccountChanges::parse(Some("  New Co  "), None, None).unwrap();
        let updated = changes.apply_to(&customer);
        assert_eq!(updated.company_name, "New Co");
        assert_eq!(updated.contact_name, "张三");
        assert!(AccountChanges::default().is_empty());
    }

    #[test]
    fn new_customer_needs_every_field() {
        assert!(NewCustomer::parse("Co", "Li", "li@example.com").is_ok());
        let err = NewCustomer::parse("", "", "x").unwrap_err();
        assert_eq!(err.0.len(), 3);
    }
}
