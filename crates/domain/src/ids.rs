//! Identifiers of the portal's aggregates. They are opaque strings chosen by the
//! platform (`cust_demo`, `user_1`, `pro`, `INV202512001`), checked for a safe shape.

use std::fmt;

use crate::error::ParseError;

const MAX_ID_LEN: usize = 64;

fn check_id(what: &'static str, raw: &str) -> Result<(), ParseError> {
    if raw.is_empty() {
        return Err(ParseError::new(what, "must not be empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(ParseError::new(
            what,
            format!("must be at most {MAX_ID_LEN} characters"),
        ));
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ParseError::new(
            what,
            "may contain only ASCII letters, digits, '_' and '-'",
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                check_id($what, raw)?;
                Ok(Self(raw.to_owned()))
            }

            /// For values built by this crate whose shape is known to be valid.
            #[allow(dead_code)]
            pub(crate) fn from_trusted(raw: String) -> Self {
                Self(raw)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The tenant: every query is scoped by one.
    CustomerId,
    "customer_id"
);
string_id!(
    /// A user of a customer (or a platform service) as named in the token.
    UserId,
    "user_id"
);
string_id!(
    /// A plan of the catalogue (`basic`, `pro`, `enterprise`).
    PlanId,
    "plan_id"
);
string_id!(
    /// A subscription of a customer to a plan.
    SubscriptionId,
    "subscription_id"
);
string_id!(
    /// An invoice number, `INV{YYYYMM}{sequence}`.
    InvoiceId,
    "invoice_id"
);

string_id!(
    /// A customer's fapiao request (`fpq_…`).
    FapiaoRequestId,
    "request_id"
);
string_id!(
    /// A billing run, a job of one period (`run_…`).
    RunId,
    "run_id"
);
string_id!(
    /// A customer's notification (`ntf_…`).
    NotificationId,
    "notification_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_platform_shapes_and_reject_others() {
        assert!(CustomerId::parse("cust_demo").is_ok());
        assert!(InvoiceId::parse("INV202512001").is_ok());
        assert!(CustomerId::parse("").is_err());
        assert!(CustomerId::parse("a b").is_err());
        assert!(CustomerId::parse("../etc").is_err());
        assert!(CustomerId::parse(&"x".repeat(65)).is_err());
    }
}
