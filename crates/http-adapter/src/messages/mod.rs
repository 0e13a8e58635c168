//! The API's words in the reader's language (contract §16): every error `message` and
//! `fields` reason is sent in the request's language (`?lang=`, else `Accept-Language`,
//! Chinese by default).
//!
//! The code writes its refusals in English, as it logs them. Two catalogues, one per
//! language (`messages/en.txt`, `messages/zh.txt`), give each such text a key: an
//! English text is matched against the English templates (`{name}` stands for any
//! non-empty text), and the key's template in the reader's language is written with
//! the same values, each value that is itself an entry (a noun such as `invoice`, an
//! action such as `change the plan`) translated through it. The tests check that both
//! catalogues hold the same keys and placeholders and that the texts the code writes
//! have an entry.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use portal_billing::DocumentLanguage;

use crate::error::ApiError;

const EN: &str = include_str!("../../messages/en.txt");
const ZH: &str = include_str!("../../messages/zh.txt");

/// A template cut at its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Value(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Value(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// `key = template` lines, in file order (comments and blank lines skipped).
fn entries(file: &'static str) -> Vec<(&'static str, &'static str)> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Both languages' templates by key, and the English ones to match texts against.
struct Catalogue {
    /// Fixed English texts (no placeholder) → key.
    fixed: HashMap<&'static str, &'static str>,
    /// English templates with placeholders, in file order (the first match wins).
    templated: Vec<(&'static str, Vec<Piece<'static>>)>,
    zh: HashMap<&'static str, &'static str>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut fixed = HashMap::new();
    let mut templated = Vec::new();
    for (key, template) in entries(EN) {
        let cut = pieces(template);
        if cut.iter().all(|p| matches!(p, Piece::Text(_))) {
            fixed.insert(template, key);
        } else {
            templated.push((key, cut));
        }
    }
    Catalogue {
        fixed,
        templated,
        zh: entries(ZH).into_iter().collect(),
    }
});

/// The values of `text` matched against `template`, when it matches.
fn matches<'t>(template: &[Piece<'_>], text: &'t str) -> Option<Vec<(String, &'t str)>> {
    match template.split_first() {
        None => text.is_empty().then(Vec::new),
        Some((Piece::Text(lit), rest)) => matches(rest, text.strip_prefix(lit)?),
        Some((Piece::Value(name), rest)) => {
            // The shortest value that lets the rest match (at least one character): it
            // ends where the next text begins, or with the text.
            let ends: Vec<usize> = match rest.first() {
                Some(Piece::Text(next)) => text
                    .match_indices(next)
                    .map(|(i, _)| i)
                    .filter(|i| *i > 0)
                    .collect(),
                _ => text
                    .char_indices()
                    .map(|(i, _)| i)
                    .skip(1)
                    .chain([text.len()])
                    .collect(),
            };
            for end in ends {
                if let Some(mut found) = matches(rest, &text[end..]) {
                    found.insert(0, ((*name).to_owned(), &text[..end]));
                    return Some(found);
                }
            }
            None
        }
    }
}

impl Catalogue {
    /// The key of an English text and its values.
    fn find<'t>(&self, text: &'t str) -> Option<(&'static str, Vec<(String, &'t str)>)> {
        if let Some(key) = self.fixed.get(text) {
            return Some((key, Vec::new()));
        }
        self.templated
            .iter()
            .find_map(|(key, template)| matches(template, text).map(|values| (*key, values)))
    }

    /// `text` in Chinese, when the catalogue has it.
    fn zh(&self, text: &str) -> Option<String> {
        let (key, values) = self.find(text)?;
        let template = self.zh.get(key)?;
        let mut out = String::new();
        for piece in pieces(template) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(name) => {
                    let value = values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)?;
                    match self.fixed.get(value).and_then(|k| self.zh.get(k)) {
                        Some(word) => out.push_str(word),
                        None => out.push_str(value),
                    }
                }
            }
        }
        Some(out)
    }
}

/// `text` (written by the code in English) in `language`; a text the catalogue lacks is
/// logged and left as it is.
pub fn in_language(text: &str, language: DocumentLanguage) -> String {
    match language {
        DocumentLanguage::En => text.to_owned(),
        DocumentLanguage::Zh => CATALOGUE.zh(text).unwrap_or_else(|| {
            tracing::error!(
                text,
                "an API message has no Chinese entry in messages/zh.txt"
            );
            text.to_owned()
        }),
    }
}

/// The refusal worded in `language`: its message and each field's reason.
pub fn localized(err: &ApiError, language: DocumentLanguage) -> ApiError {
    ApiError {
        status: err.status,
        code: err.code,
        message: in_language(&err.message, language),
        fields: err.fields.as_ref().map(|fields| {
            fields
                .iter()
                .map(|(field, why)| (field.clone(), in_language(why, language)))
                .collect::<BTreeMap<_, _>>()
        }),
    }
}

#[cfg(test)]
mod tests;
