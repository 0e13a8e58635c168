//! The receivables settings (§15): `PORTAL_SUSPEND_AFTER_DAYS` and `PORTAL_PAY_TO_*`.

use crate::config_error::ConfigError;

/// Days overdue before suspension (0–365, default 15; 0 never), and where customers pay
/// (unset fields: the demo operator's account).
pub fn from_lookup(
    get: impl Fn(&str) -> Option<String>,
) -> Result<(u32, portal_billing::PayTo), ConfigError> {
    let suspend_after_days = match get("PORTAL_SUSPEND_AFTER_DAYS") {
        None => portal_billing::DEFAULT_SUSPEND_AFTER_DAYS,
        Some(raw) => match raw.trim().parse::<u32>() {
            Ok(days) if days <= 365 => days,
            _ => {
                return Err(ConfigError::new(
                    "PORTAL_SUSPEND_AFTER_DAYS",
                    "must be a whole number of days from 0 (never) to 365",
                ));
            }
        },
    };
    let demo = portal_billing::PayTo::default();
    let pay_to = portal_billing::PayTo {
        account_name: get("PORTAL_PAY_TO_ACCOUNT_NAME").unwrap_or(demo.account_name),
        bank_name: get("PORTAL_PAY_TO_BANK_NAME").unwrap_or(demo.bank_name),
        account_number: get("PORTAL_PAY_TO_ACCOUNT_NUMBER").unwrap_or(demo.account_number),
    };
    Ok((suspend_after_days, pay_to))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn days_are_checked_and_the_account_defaults_to_the_demo() {
        let (days, pay_to) = from_lookup(|_| None).unwrap();
        assert_eq!(days, 15);
        assert_eq!(pay_to, portal_billing::PayTo::default());
        let never = from_lookup(|k| (k == "PORTAL_SUSPEND_AFTER_DAYS").then(|| "0".into()));
        assert_eq!(never.unwrap().0, 0);
        for bad in ["-1", "366", "soon"] {
            let err = from_lookup(|k| (k == "PORTAL_SUSPEND_AFTER_DAYS").then(|| bad.into()));
            assert!(err.is_err(), "{bad}");
        }
    }
}
