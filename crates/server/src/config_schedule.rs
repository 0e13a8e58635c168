//! `PORTAL_BILLING_RUN_AT` (§15): when `portal serve` starts each month's billing run.

use chrono::NaiveTime;

use crate::config_error::ConfigError;

/// The business time on the 1st at which each month's run starts (`HH:MM`, default
/// `00:05`), or `None` for `off` (runs are started from outside: `portal billing run`
/// or `POST /api/internal/billing-runs`).
pub fn billing_run_at(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<NaiveTime>, ConfigError> {
    let Some(raw) = get("PORTAL_BILLING_RUN_AT") else {
        return Ok(NaiveTime::from_hms_opt(0, 5, 0));
    };
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    NaiveTime::parse_from_str(raw, "%H:%M")
        .map(Some)
        .map_err(|_| {
            ConfigError::new(
                "PORTAL_BILLING_RUN_AT",
                "must be a time of day as HH:MM (business time on the 1st), or off",
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(raw: &str) -> Result<Option<NaiveTime>, ConfigError> {
        billing_run_at(|k| (k == "PORTAL_BILLING_RUN_AT").then(|| raw.to_owned()))
    }

    #[test]
    fn five_past_midnight_unless_set_or_off() {
        assert_eq!(
            billing_run_at(|_| None).unwrap(),
            NaiveTime::from_hms_opt(0, 5, 0)
        );
        assert_eq!(read("02:30").unwrap(), NaiveTime::from_hms_opt(2, 30, 0));
        assert_eq!(read("OFF").unwrap(), None);
        for bad in ["24:00", "2:3x", "noon", ""] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
