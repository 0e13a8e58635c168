#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;

fn placeholders(template: &str) -> BTreeSet<&str> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Value(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn both_catalogues_hold_the_same_keys_in_the_same_order_each_once() {
    let en = entries(EN);
    let zh = entries(ZH);
    fn keys<'a>(e: &[(&'a str, &'a str)]) -> Vec<&'a str> {
        e.iter().map(|(k, _)| *k).collect()
    }
    assert_eq!(keys(&en), keys(&zh));
    let unique: BTreeSet<&str> = keys(&en).into_iter().collect();
    assert_eq!(unique.len(), en.len(), "a key is listed twice");
    let texts: BTreeSet<&str> = en.iter().map(|(_, t)| *t).collect();
    assert_eq!(texts.len(), en.len(), "an English text is listed twice");
}

#[test]
fn each_language_says_it_in_its_own_words_with_the_same_values() {
    for ((key, en), (_, zh)) in entries(EN).into_iter().zip(entries(ZH)) {
        assert!(
            !has_han(en),
            "{key}: Chinese in the English catalogue: {en}"
        );
        assert!(
            has_han(zh),
            "{key}: no Chinese in the Chinese catalogue: {zh}"
        );
        let missing: Vec<_> = placeholders(zh)
            .difference(&placeholders(en))
            .copied()
            .collect();
        assert!(
            missing.is_empty(),
            "{key}: {missing:?} has no English value"
        );
    }
}

#[test]
fn a_text_is_worded_with_its_values_and_its_nouns_translated() {
    assert_eq!(
        CATALOGUE.zh("invoice not found").as_deref(),
        Some("未找到账单。")
    );
    assert_eq!(
        CATALOGUE.zh("only an admin may change the plan").as_deref(),
        Some("只有管理员可以变更套餐。")
    );
    assert_eq!(
        CATALOGUE.zh("must be 1 to 200 characters").as_deref(),
        Some("须为 1 到 200 个字符。")
    );
    assert_eq!(CATALOGUE.zh("no such text anywhere"), None);
    assert_eq!(
        in_language("no such text anywhere", DocumentLanguage::Zh),
        "no such text anywhere"
    );
    assert_eq!(
        in_language("invoice not found", DocumentLanguage::En),
        "invoice not found"
    );
}

#[test]
fn a_refusal_is_worded_whole_and_keeps_its_status_and_code() {
    let mut err = ApiError::validation(portal_domain::FieldErrors::single(
        "contact_email",
        "must be an e-mail address like name@example.com",
    ));
    err.fields.as_mut().unwrap().insert(
        "months".into(),
        "must be a whole number from 1 to 24".into(),
    );
    let zh = localized(&err, DocumentLanguage::Zh);
    assert_eq!(zh.status, err.status);
    assert_eq!(zh.code, "validation_failed");
    assert!(has_han(&zh.message));
    for why in zh.fields.unwrap().values() {
        assert!(has_han(why), "{why}");
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("tests" | "test_support" | "simulation")
            ) {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The string literal (or `format!` string) at the start of `s`, with `{…}` given a
/// sample value, and what follows it.
fn literal_at(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let s = s.strip_prefix("format!(").unwrap_or(s).strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = s.char_indices();
    let mut depth = 0;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((text, &s[i + 1..])),
            '\\' => match chars.next() {
                // A line continuation: the next line's indentation is not in the text.
                Some((_, '\n')) => {
                    let rest = &s[i + 2..];
                    let skip = rest.len() - rest.trim_start().len();
                    for _ in 0..rest[..skip].chars().count() {
                        chars.next();
                    }
                }
                Some((_, '"')) if depth == 0 => text.push('"'),
                _ => return None,
            },
            '{' => {
                depth += 1;
                if depth == 1 {
                    text.push('7');
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    None
}

/// The reasons and messages written as literals right after `call`: the second
/// argument of a field error (`field, reason`), else the first.
fn literals_after(source: &str, call: &str, reason_second: bool) -> Vec<String> {
    source
        .match_indices(call)
        .filter_map(|(at, _)| {
            let args = &source[at + call.len()..];
            let args = if reason_second {
                match literal_at(args) {
                    Some((_, rest)) => rest,
                    None => &args[args.find(',')?..],
                }
                .trim_start()
                .strip_prefix(',')?
            } else {
                args
            };
            literal_at(args).map(|(text, _)| text)
        })
        .collect()
}

/// Every reason a field error is given in the code (its last string literal) has a
/// Chinese entry: a new refusal cannot reach a Chinese page in English.
#[test]
fn every_reason_and_refusal_the_code_writes_has_a_chinese_entry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in ["domain", "billing-service", "http-adapter"] {
        rust_files(&root.join(krate).join("src"), &mut files);
    }
    let calls = [
        ("FieldErrors::single(", true),
        ("errors.add(", true),
        ("ApiError::bad_request(", false),
        ("ApiError::unauthorized(", false),
        ("ApiError::forbidden(", false),
        ("Error::Conflict(", false),
        ("Error::PreconditionFailed(", false),
    ];
    let mut missing = Vec::new();
    let mut seen = 0;
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        for (call, reason_second) in calls {
            for text in literals_after(source, call, reason_second) {
                seen += 1;
                if CATALOGUE.find(&text).is_none() {
                    missing.push(format!("{}: {text}", file.display()));
                }
            }
        }
    }
    assert!(seen > 60, "the scan found only {seen} texts");
    assert!(
        missing.is_empty(),
        "no entry in messages/*.txt:\n{}",
        missing.join("\n")
    );
}
