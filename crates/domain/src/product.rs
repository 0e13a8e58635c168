//! The metered products and how each is measured.

use std::fmt;

use crate::error::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    AiChat,
    Email,
    AgentSeats,
}

/// How a month's value is derived from daily values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metering {
    /// The month's value is the sum of daily counts.
    Counted,
    /// The month's value is the highest daily value (seats in use).
    Gauge,
}

impl Product {
    /// In the order the contract lists them.
    pub const ALL: [Product; 3] = [Product::AiChat, Product::Email, Product::AgentSeats];

    pub fn as_str(self) -> &'static str {
        match self {
            Product::AiChat => "ai_chat",
            Product::Email => "email",
            Product::AgentSeats => "agent_seats",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "ai_chat" => Ok(Product::AiChat),
            "email" => Ok(Product::Email),
            "agent_seats" => Ok(Product::AgentSeats),
            _ => Err(ParseError::new(
                "product",
                "must be one of ai_chat, email, agent_seats",
            )),
        }
    }

    pub fn metering(self) -> Metering {
        match self {
            Product::AiChat | Product::Email => Metering::Counted,
            Product::AgentSeats => Metering::Gauge,
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_fail() {
        for p in Product::ALL {
            assert_eq!(Product::parse(p.as_str()).unwrap(), p);
        }
        assert!(Product::parse("sms").is_err());
        assert_eq!(Product::AgentSeats.metering(), Metering::Gauge);
        assert_eq!(Product::Email.metering(), Metering::Counted);
    }
}
