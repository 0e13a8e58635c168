//! The API's JSON as the app reads and writes it: miniserde's value tree (parsed and
//! written by `miniserde::json`), read field by field by [`crate::bodies`], so the wasm
//! holds no per-type serde code.
//!
//! `serde_json` with the derived `Deserialize` of every body type put a copy of the
//! parsing and field matching in the wasm per type (about 100 kB before compression);
//! here miniserde parses any text into one [`Value`] (with `dyn` visitors, not generics)
//! and each body is read from it with a few calls per field (see [`fields`]). Where
//! miniserde reads otherwise than `serde_json` (a name written twice, `-0`, nesting
//! deeper than 127) its tests say.

mod fields;

pub use miniserde::json::{Number, Object, Value};

pub use fields::{Fields, boolean, int, money, one_decimal, small, string_map, text, unsigned};

/// Reads one JSON text (surrounding whitespace allowed); `None` if it is not one.
pub fn parse(text: &str) -> Option<Value> {
    miniserde::json::from_str(text).ok()
}

/// The compact JSON text of `value` (an object's members in name order).
pub fn to_text(value: &Value) -> String {
    miniserde::json::to_string(value)
}

/// A string value.
pub fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// A whole number.
pub fn int_value(value: i64) -> Value {
    Value::Number(Number::I64(value))
}

/// An object of these members. Inserted one by one: collecting into the map sorts them
/// first, and that sort of `(String, Value)` cost 2.9 kB of the first load (brotli) for
/// objects of a few members.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let mut object = Object::new();
    for (name, value) in members {
        object.insert(name.to_owned(), value);
    }
    Value::Object(object)
}

/// An array of these items.
pub fn array(items: impl IntoIterator<Item = Value>) -> Value {
    Value::Array(items.into_iter().collect())
}

#[cfg(test)]
mod tests;
