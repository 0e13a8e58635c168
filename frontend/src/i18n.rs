//! Translations and the language preference. The texts live in `locales/zh.json`
//! (Simplified Chinese, the default) and `locales/en.json`; `build.rs` turns them into one
//! typed struct per language, so `t_string!(i18n, nav.overview)` is a field read of the
//! current language's texts and a missing key fails the build.
//!
//! The language is chosen by `?lang=zh|en` in the address, else the preference saved in
//! `localStorage` (the language only; the token is never stored), else Chinese. It is a
//! signal in the context ([`provide_i18n`]): reading a text tracks it, so a switch redraws
//! every text.
//!
//! (leptos_i18n did this before, but its runtime also brought the browser's language
//! negotiation (leptos-use), cookies, leptos_meta and ICU locale parsing into the wasm,
//! none of which the app uses: 17.8 kB of the first load, gzip -9.)

use leptos::prelude::*;

/// The generated texts: `Texts` and the statics `ZH` and `EN`. (A text no page shows yet
/// is not an error.)
#[allow(dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/texts.rs"));
}

pub use generated::Texts;

/// The app's languages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum Locale {
    #[default]
    zh,
    en,
}

impl Locale {
    /// `zh` or `en`: the API's `lang` and the saved preference.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::zh => "zh",
            Locale::en => "en",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::zh => &generated::ZH,
            Locale::en => &generated::EN,
        }
    }
}

/// The language shown, from the context; `Copy`, so closures hold it freely.
#[derive(Debug, Clone, Copy)]
pub struct I18nContext {
    locale: RwSignal<Locale>,
}

impl I18nContext {
    /// The language shown; tracked.
    pub fn get_locale(self) -> Locale {
        self.locale.get()
    }

    pub fn get_locale_untracked(self) -> Locale {
        self.locale.get_untracked()
    }

    pub fn set_locale(self, locale: Locale) {
        self.locale.set(locale);
    }

    /// The texts of the language shown; tracked.
    pub fn texts(self) -> &'static Texts {
        self.get_locale().texts()
    }
}

/// Puts the language in the context, starting in `initial`.
pub fn provide_i18n(initial: Locale) -> I18nContext {
    let context = I18nContext {
        locale: RwSignal::new(initial),
    };
    provide_context(context);
    context
}

/// The language of the context ([`provide_i18n`]); Chinese if there is none (never, in
/// the app: `App` provides it first).
pub fn use_i18n() -> I18nContext {
    use_context().unwrap_or_else(|| provide_i18n(Locale::zh))
}

/// A text of the language shown, as a `&'static str`: `t_string!(i18n, nav.overview)`.
/// Reading it tracks the language.
macro_rules! t_string {
    ($i18n:expr, $($key:ident).+) => {
        $i18n.texts().$($key).+
    };
}
pub(crate) use t_string;

/// A translated text as a reactive view: `tx!(i18n, nav.overview)`. Every use is the same
/// closure type, so the wasm carries one copy of the text-rendering code, not one per text.
macro_rules! tx {
    ($i18n:expr, $($key:tt)+) => {
        $crate::i18n::tr($i18n, |i| $crate::i18n::t_string!(i, $($key)+))
    };
}

/// The function behind [`tx!`].
pub fn tr(
    i18n: I18nContext,
    text: fn(I18nContext) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || text(i18n)
}

const STORAGE_KEY: &str = "portal.lang";

pub fn parse_locale(text: &str) -> Option<Locale> {
    match text.trim().to_ascii_lowercase().as_str() {
        "zh" | "zh-cn" | "zh-hans" | "zh_cn" => Some(Locale::zh),
        "en" | "en-us" | "en-gb" => Some(Locale::en),
        _ => None,
    }
}

/// The address wins over the saved preference; Chinese when neither says.
pub fn choose_locale(from_query: Option<&str>, saved: Option<&str>) -> Locale {
    from_query
        .and_then(parse_locale)
        .or_else(|| saved.and_then(parse_locale))
        .unwrap_or(Locale::zh)
}

/// The BCP 47 tag for `<html lang>`.
pub fn html_lang(locale: Locale) -> &'static str {
    match locale {
        Locale::zh => "zh-CN",
        Locale::en => "en",
    }
}

fn lang_from_query(search: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .map(str::to_owned)
}

fn storage() -> Option<web_sys::Storage> {
    // Storage can be refused (a third-party frame with blocked storage): then the
    // preference simply is not kept.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The language to start in; an explicit `?lang=` is also saved as the preference.
pub fn initial_locale() -> Locale {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let from_query = lang_from_query(&search);
    let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let locale = choose_locale(from_query.as_deref(), saved.as_deref());
    if from_query.as_deref().and_then(parse_locale).is_some() {
        save_locale(locale);
    }
    locale
}

pub fn save_locale(locale: Locale) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, locale.as_str());
    }
}

/// Points `<html lang>` at the language shown, for screen readers and fonts.
pub fn set_document_lang(locale: Locale) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", html_lang(locale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_unless_told_otherwise() {
        assert_eq!(choose_locale(None, None), Locale::zh);
        assert_eq!(choose_locale(Some("en"), None), Locale::en);
        assert_eq!(choose_locale(None, Some("en")), Locale::en);
        assert_eq!(choose_locale(Some("zh"), Some("en")), Locale::zh);
        assert_eq!(choose_locale(Some("fr"), Some("en")), Locale::en);
        assert_eq!(choose_locale(Some("fr"), None), Locale::zh);
    }

    #[test]
    fn texts_come_from_the_locale_files() {
        assert_eq!(Locale::zh.texts().nav.overview, "概览");
        assert_eq!(Locale::en.texts().nav.overview, "Overview");
        assert_eq!(Locale::zh.texts().invoices.overage, "超额");
        assert_eq!(Locale::en.texts().usage.seat_days, "{n} seat-days");
        assert_eq!((Locale::zh.as_str(), Locale::en.as_str()), ("zh", "en"));
        assert_eq!(Locale::default(), Locale::zh);
    }

    #[test]
    fn reads_lang_from_the_query() {
        assert_eq!(lang_from_query("?x=1&lang=en"), Some("en".into()));
        assert_eq!(lang_from_query("?language=en"), None);
        assert_eq!(lang_from_query(""), None);
        assert_eq!(html_lang(Locale::zh), "zh-CN");
    }

    #[test]
    fn both_locales_have_the_same_keys() {
        // build.rs refuses a key in one language only; this says which, in a test.
        fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
            if let Some(map) = value.as_object() {
                for (k, v) in map {
                    keys(v, &format!("{prefix}.{k}"), out);
                }
            } else {
                out.push(prefix.to_owned());
            }
        }
        let zh: serde_json::Value =
            serde_json::from_str(include_str!("../locales/zh.json")).unwrap();
        let en: serde_json::Value =
            serde_json::from_str(include_str!("../locales/en.json")).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        keys(&zh, "", &mut a);
        keys(&en, "", &mut b);
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(a.len() > 50);
    }

    #[test]
    fn both_locales_fill_the_same_placeholders() {
        // Texts with values have `{name}` placeholders, filled by `format::fill`: a name
        // missing from one language would show as `{name}` there.
        fn placeholders(text: &str) -> Vec<&str> {
            let mut names: Vec<&str> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                .collect();
            names.sort_unstable();
            names
        }
        fn walk(zh: &serde_json::Value, en: &serde_json::Value, path: &str) {
            match (zh, en) {
                (serde_json::Value::Object(zh), serde_json::Value::Object(en)) => {
                    for (key, value) in zh {
                        walk(value, &en[key], &format!("{path}.{key}"));
                    }
                }
                (serde_json::Value::String(zh), serde_json::Value::String(en)) => {
                    assert_eq!(placeholders(zh), placeholders(en), "{path}");
                    assert!(
                        !zh.contains("{{") && !en.contains("{{"),
                        "{path}: use {{name}}"
                    );
                }
                _ => panic!("{path}: not the same shape"),
            }
        }
        let zh: serde_json::Value =
            serde_json::from_str(include_str!("../locales/zh.json")).unwrap();
        let en: serde_json::Value =
            serde_json::from_str(include_str!("../locales/en.json")).unwrap();
        walk(&zh, &en, "");
        assert_eq!(placeholders("{plan} on {date}"), ["date", "plan"]);
    }
}
