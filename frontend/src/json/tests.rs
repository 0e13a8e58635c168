//! miniserde, as the app uses it, against `serde_json`: the texts it accepts and refuses,
//! the values it reads, the text it writes, and where the two differ.

use serde_json::Value as Serde;

use super::*;

/// miniserde's value as a `serde_json` one.
fn to_serde(value: &Value) -> Serde {
    match value {
        Value::Null => Serde::Null,
        Value::Bool(b) => Serde::Bool(*b),
        Value::Number(Number::U64(n)) => Serde::from(*n),
        Value::Number(Number::I64(n)) => Serde::from(*n),
        Value::Number(Number::F64(n)) => Serde::from(*n),
        Value::String(s) => Serde::String(s.clone()),
        Value::Array(items) => Serde::Array(items.iter().map(to_serde).collect()),
        Value::Object(members) => Serde::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

fn same_as_serde(text: &str) {
    let ours = parse(text);
    let theirs = serde_json::from_str::<Serde>(text).ok();
    assert_eq!(ours.as_ref().map(to_serde), theirs, "{text:?}");
}

#[test]
fn reads_what_serde_json_reads() {
    let texts = [
        "null",
        " true ",
        "false",
        "0",
        "12",
        "-12",
        "1.5",
        "-0.0",
        "1e3",
        "1E+3",
        "2.5e-3",
        "66.7",
        "7e-40",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890.5e-3",
        r#""""#,
        r#""abc 中文 😀""#,
        r#""\" \\ \/ \b \f \n \r \t \u0041 \u4e2d \ud83d\ude00""#,
        "[]",
        "[ 1 , [2, {}], {\"a\": [null]} ]",
        "{}",
        r#"{"a":1,"b":{"c":"d"}, "e" : [true,false] }"#,
        // A name written twice: the last one counts, in both.
        r#"{"a":1,"a":2}"#,
        "\n\t\r {\"a\":1}\n",
    ];
    for text in texts {
        assert!(parse(text).is_some(), "{text:?}");
        same_as_serde(text);
    }
}

#[test]
fn refuses_what_serde_json_refuses() {
    let texts = [
        "",
        " ",
        "nul",
        "tru",
        "nulls",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "0x10",
        "NaN",
        "1e400",
        "\"abc",
        "\"a\u{1}b\"",
        "\"a\nb\"",
        r#""\x""#,
        r#""\u12""#,
        r#""\u12g4""#,
        r#""\u+123""#,
        r#""\ud83d""#,
        r#""\ud83d\u0041""#,
        r#""\ude00""#,
        "[",
        "[1,]",
        "[1 2]",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\":1}}",
        "{} {}",
        "[1] x",
    ];
    for text in texts {
        assert!(parse(text).is_none(), "{text:?}");
        same_as_serde(text);
    }
}

/// Where miniserde reads differently from `serde_json`. Neither reaches the app through
/// the API, which writes no `-0` and nests a few levels only.
#[test]
fn where_miniserde_differs_from_serde_json() {
    // `-0` is the whole number 0 (for `serde_json` the float -0.0, which no integer
    // field takes).
    assert!(matches!(parse("-0"), Some(Value::Number(Number::I64(0)))));
    assert!(serde_json::from_str::<Serde>("-0").is_ok_and(|v| v.is_f64()));
    assert_eq!(parse("-0").as_ref().and_then(int), Some(0));
    // No depth limit (miniserde reads without recursion); `serde_json` stops at 128.
    for depth in [127, 128, 10_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&text).is_some(), "{depth}");
        assert_eq!(serde_json::from_str::<Serde>(&text).is_ok(), depth < 128);
    }
}

#[test]
fn numbers_keep_their_kind() {
    assert!(matches!(parse("7"), Some(Value::Number(Number::U64(7)))));
    assert!(matches!(parse("-7"), Some(Value::Number(Number::I64(-7)))));
    assert!(matches!(parse("7.0"), Some(Value::Number(Number::F64(_)))));
    assert!(matches!(parse("7e0"), Some(Value::Number(Number::F64(_)))));
}

#[test]
fn writes_what_serde_json_writes() {
    let all: String = (0..=0x80_u32).filter_map(char::from_u32).collect();
    for text in [all.as_str(), "", "中文 \"引号\" \\ 😀"] {
        // Written in name order, as `serde_json`'s map writes them.
        let ours = object([
            ("text", string(text)),
            ("n", int_value(-42)),
            (
                "list",
                array([Value::Null, Value::Bool(true), Value::Bool(false)]),
            ),
            ("empty", array([])),
            ("object", object([])),
        ]);
        let theirs = serde_json::json!({"text": text, "n": -42, "list": [null, true, false],
            "empty": [], "object": {}});
        assert_eq!(to_text(&ours), serde_json::to_string(&theirs).unwrap());
    }
}
