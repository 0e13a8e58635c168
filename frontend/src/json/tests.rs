//! The reader accepts what `serde_json` accepts and reads the same values; the writer
//! writes what it writes.

use serde_json::Value;

use super::*;

/// Our value as a `serde_json` one (numbers through `serde_json`'s own reading).
fn to_serde(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(n) => serde_json::from_str(n).unwrap(),
        Json::Str(s) => Value::String(s.clone()),
        Json::Arr(items) => Value::Array(items.iter().map(to_serde).collect()),
        Json::Obj(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

fn same_as_serde(text: &str) {
    let ours = parse(text);
    let theirs = serde_json::from_str::<Value>(text).ok();
    assert_eq!(ours.as_ref().map(to_serde), theirs, "{text:?}");
}

#[test]
fn reads_what_serde_json_reads() {
    let texts = [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "12",
        "-12",
        "1.5",
        "1e3",
        "1E+3",
        "2.5e-3",
        "18446744073709551615",
        r#""""#,
        r#""abc 中文 😀""#,
        r#""\" \\ \/ \b \f \n \r \t \u0041 \u4e2d \ud83d\ude00""#,
        "[]",
        "[ 1 , [2, {}], {\"a\": [null]} ]",
        "{}",
        r#"{"a":1,"b":{"c":"d"}, "e" : [true,false] }"#,
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

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [127, 128, 129] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        same_as_serde(&text);
    }
}

#[test]
fn numbers_are_kept_as_written() {
    assert_eq!(parse(" -1.50e2 "), Some(Json::Num("-1.50e2".into())));
}

#[test]
fn writes_what_serde_json_writes() {
    let all: String = (0..=0x80_u32).filter_map(char::from_u32).collect();
    for text in [all.as_str(), "", "中文 \"引号\" \\ 😀"] {
        // In the order of `serde_json`'s map (by name).
        let ours = Json::object(vec![
            ("empty", Json::Arr(Vec::new())),
            (
                "list",
                Json::Arr(vec![Json::Null, Json::Bool(true), Json::Bool(false)]),
            ),
            ("n", Json::int(-42)),
            ("object", Json::object(Vec::new())),
            ("text", Json::str(text)),
        ]);
        let theirs = serde_json::json!({"text": text, "n": -42, "list": [null, true, false],
            "empty": [], "object": {}});
        assert_eq!(ours.to_text(), serde_json::to_string(&theirs).unwrap());
    }
}
