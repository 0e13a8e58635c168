//! Thin accessors over miniserde's [`Value`]: each reads one member as the derived
//! `Deserialize` of `portal-api-types` reads it with `serde_json` (a string, a whole
//! number in range, an amount from its decimal string), so that a body's reader in
//! [`crate::bodies`] is a few plain calls per field. They parse nothing themselves.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::{Number, Object, Value};

/// A string.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(value) => Some(*value),
        _ => None,
    }
}

/// A whole number in range, as `serde_json` reads one into an integer type: written
/// without a fraction or an exponent (miniserde keeps those as `F64`).
fn integer<T: TryFrom<u64> + TryFrom<i64>>(value: &Value) -> Option<T> {
    match value {
        Value::Number(Number::U64(n)) => T::try_from(*n).ok(),
        Value::Number(Number::I64(n)) => T::try_from(*n).ok(),
        _ => None,
    }
}

pub fn int(value: &Value) -> Option<i64> {
    integer(value)
}

pub fn unsigned(value: &Value) -> Option<u64> {
    integer(value)
}

pub fn small(value: &Value) -> Option<u32> {
    integer(value)
}

/// An amount as `rust_decimal::serde::str` reads one: a string, plain or scientific.
/// Money never passes through a float.
pub fn money(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(text) => Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .ok(),
        _ => None,
    }
}

/// A number with at most one decimal (a percentage, not money), as `portal-api-types`
/// reads it: the number as an `f64`, made a `Decimal` and rounded back to one decimal
/// half away from zero.
pub fn one_decimal(value: &Value) -> Option<Decimal> {
    let float = match value {
        Value::Number(Number::U64(n)) => *n as f64,
        Value::Number(Number::I64(n)) => *n as f64,
        Value::Number(Number::F64(n)) => *n,
        _ => return None,
    };
    Decimal::try_from(float)
        .ok()
        .map(|v| v.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// An array, each item read by `item`.
pub fn list<T>(value: &Value, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    match value {
        Value::Array(items) => items.iter().map(item).collect(),
        _ => None,
    }
}

/// An object of strings. Inserted one by one, as in [`super::object`]: its members are
/// already in name order, and collecting would sort them (2.5 kB of the first load).
pub fn string_map(value: &Value) -> Option<BTreeMap<String, String>> {
    let Value::Object(members) = value else {
        return None;
    };
    let mut map = BTreeMap::new();
    for (name, value) in members {
        map.insert(name.clone(), text(value)?);
    }
    Some(map)
}

/// The members of an object, read as a derived `Deserialize` reads a struct: names the
/// struct does not have are ignored. (A name written twice is already one member, the
/// last, in miniserde's object.)
pub struct Fields<'a>(&'a Object);

impl<'a> Fields<'a> {
    /// `None` unless `value` is an object.
    pub fn of(value: &'a Value) -> Option<Self> {
        match value {
            Value::Object(members) => Some(Fields(members)),
            _ => None,
        }
    }

    fn member(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name)
    }

    /// A member that must be there.
    pub fn req<T>(&self, name: &str, read: fn(&Value) -> Option<T>) -> Option<T> {
        read(self.member(name)?)
    }

    /// An `Option` member: absent or `null` is `None`.
    pub fn opt<T>(&self, name: &str, read: fn(&Value) -> Option<T>) -> Option<Option<T>> {
        match self.member(name) {
            None | Some(Value::Null) => Some(None),
            Some(value) => read(value).map(Some),
        }
    }

    /// A `#[serde(default)]` member: absent is the default (`null` is not).
    pub fn or_default<T: Default>(&self, name: &str, read: fn(&Value) -> Option<T>) -> Option<T> {
        self.or(name, read, T::default())
    }

    /// A `#[serde(default = "…")]` member: absent is `absent` (`null` is not).
    pub fn or<T>(&self, name: &str, read: fn(&Value) -> Option<T>, absent: T) -> Option<T> {
        match self.member(name) {
            None => Some(absent),
            Some(value) => read(value),
        }
    }

    /// An array member that must be there, each item read by `item`.
    pub fn list<T>(&self, name: &str, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
        list(self.member(name)?, item)
    }

    /// A `#[serde(default)]` array member: absent is empty.
    pub fn list_or_empty<T>(&self, name: &str, item: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
        match self.member(name) {
            None => Some(Vec::new()),
            Some(value) => list(value, item),
        }
    }
}
