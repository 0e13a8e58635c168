//! Reading the API's types out of a [`Json`] as the derived `Deserialize` of
//! `portal-api-types` reads them with `serde_json`: the same texts are accepted and
//! refused. Each reader is a plain function, shared by every type that has such a member.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::Json;

/// A string.
pub fn text(value: &Json) -> Option<String> {
    match value {
        Json::Str(text) => Some(text.clone()),
        _ => None,
    }
}

pub fn boolean(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(value) => Some(*value),
        _ => None,
    }
}

/// A whole number in range, as `serde_json` reads one into an integer type: written
/// without a fraction or an exponent (`-0` it takes for a float).
fn integer<T: FromStr>(value: &Json) -> Option<T> {
    match value {
        Json::Num(number) if !number.contains(['.', 'e', 'E']) && number != "-0" => {
            number.parse().ok()
        }
        _ => None,
    }
}

pub fn int(value: &Json) -> Option<i64> {
    integer(value)
}

pub fn unsigned(value: &Json) -> Option<u64> {
    integer(value)
}

pub fn small(value: &Json) -> Option<u32> {
    integer(value)
}

/// An amount as `rust_decimal::serde::str` reads one: a string, plain or scientific.
pub fn money(value: &Json) -> Option<Decimal> {
    match value {
        Json::Str(text) => Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .ok(),
        _ => None,
    }
}

/// A number with at most one decimal (a percentage), rounded back to one decimal half
/// away from zero. The number is read as written, not through a float (which would pull
/// float parsing into the wasm); for the API's numbers (at most 15 significant digits)
/// that is the value `f64` gives.
pub fn one_decimal(value: &Json) -> Option<Decimal> {
    let Json::Num(number) = value else {
        return None;
    };
    let (digits, exponent) = match number.split_once(['e', 'E']) {
        Some((digits, exponent)) => (digits, exponent.parse::<i32>().ok()?),
        None => (number.as_str(), 0),
    };
    let mut value = Decimal::from_str(digits).ok()?;
    if exponent >= 0 {
        // Past 10^40 every value but zero is beyond a `Decimal`.
        for _ in 0..exponent.min(40) {
            value = value.checked_mul(Decimal::TEN)?;
        }
    } else {
        let scale = value.scale().checked_add(exponent.unsigned_abs())?;
        // Smaller than the last decimal a `Decimal` keeps: nothing at one decimal.
        if value.set_scale(scale).is_err() {
            value = Decimal::ZERO;
        }
    }
    // Without trailing zeros, as a `Decimal` made from an `f64` is (`100.0` is `100`),
    // and `-0.0` stays negative.
    let mut value = value.normalize();
    value.set_sign_negative(number.starts_with('-'));
    Some(value.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// An array, each item read by `item`.
pub fn list<T>(value: &Json, item: fn(&Json) -> Option<T>) -> Option<Vec<T>> {
    match value {
        Json::Arr(items) => items.iter().map(item).collect(),
        _ => None,
    }
}

/// An object of strings (a name written twice: the last one counts, as in serde's map).
pub fn string_map(value: &Json) -> Option<BTreeMap<String, String>> {
    match value {
        Json::Obj(members) => members
            .iter()
            .map(|(name, value)| Some((name.clone(), text(value)?)))
            .collect(),
        _ => None,
    }
}

/// The members of an object, read as a derived `Deserialize` reads a struct: names the
/// struct does not have are ignored, and one it has may appear only once.
pub struct Fields<'a>(&'a [(String, Json)]);

impl<'a> Fields<'a> {
    /// `None` unless `value` is an object.
    pub fn of(value: &'a Json) -> Option<Self> {
        match value {
            Json::Obj(members) => Some(Fields(members)),
            _ => None,
        }
    }

    /// The member `name`: `Some(None)` when absent, `None` when written twice.
    fn member(&self, name: &str) -> Option<Option<&'a Json>> {
        let mut found = None;
        for (key, value) in self.0 {
            if key == name {
                if found.is_some() {
                    return None;
                }
                found = Some(value);
            }
        }
        Some(found)
    }

    /// A member that must be there.
    pub fn req<T>(&self, name: &str, read: fn(&Json) -> Option<T>) -> Option<T> {
        read(self.member(name)??)
    }

    /// An `Option` member: absent or `null` is `None`.
    pub fn opt<T>(&self, name: &str, read: fn(&Json) -> Option<T>) -> Option<Option<T>> {
        match self.member(name)? {
            None | Some(Json::Null) => Some(None),
            Some(value) => read(value).map(Some),
        }
    }

    /// A `#[serde(default)]` member: absent is the default (`null` is not).
    pub fn or_default<T: Default>(&self, name: &str, read: fn(&Json) -> Option<T>) -> Option<T> {
        match self.member(name)? {
            None => Some(T::default()),
            Some(value) => read(value),
        }
    }

    /// An array member that must be there, each item read by `item`.
    pub fn list<T>(&self, name: &str, item: fn(&Json) -> Option<T>) -> Option<Vec<T>> {
        list(self.member(name)??, item)
    }

    /// A `#[serde(default)]` array member: absent is empty.
    pub fn list_or_empty<T>(&self, name: &str, item: fn(&Json) -> Option<T>) -> Option<Vec<T>> {
        match self.member(name)? {
            None => Some(Vec::new()),
            Some(value) => list(value, item),
        }
    }
}
