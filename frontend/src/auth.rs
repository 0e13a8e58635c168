//! The session, as the contract's §6 and §16 have it: a token read once from `?token=` and
//! removed from the address bar at once, or handed over by the embedding workbench with
//! `postMessage` from an allowed origin only; kept in memory only (never web storage).
//! Standalone, the token is also exchanged for the API's `HttpOnly` session cookie, which
//! JavaScript cannot read and which signs the user in again after a reload. On a 401,
//! `portal:token-expired` is posted to the parent while the app waits for a new `auth`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::json::{self, Fields, text};

/// The part of the token's payload the app uses to shape the screens. It is decoded,
/// not verified: the API verifies every request, so a forged role gains nothing but
/// controls whose requests are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    pub role: String,
    /// When the token ends: seconds since the Unix epoch.
    pub exp: Option<u64>,
}

impl Claims {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// The payload (middle segment, base64url JSON) of a JWT.
pub fn decode_claims(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = base64url(payload.trim_end_matches('='))?;
    // As the API's answers are read: one JSON reader in the wasm.
    let json = json::parse(std::str::from_utf8(&json).ok()?)?;
    let f = Fields::of(&json)?;
    Some(Claims {
        customer_id: f.opt("customer_id", text)?,
        user_id: f.opt("user_id", text)?,
        role: f.req("role", text)?,
        exp: f.opt("exp", json::unsigned)?,
    })
}

/// Seconds since the Unix epoch, by the browser's clock.
fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// How a token that cannot be used is told (§16): one whose `exp` has passed is
/// expired; anything else (garbage, tampered, wrongly signed) is invalid.
pub fn refusal_of(token: &str) -> SessionPhase {
    match decode_claims(token).and_then(|c| c.exp) {
        Some(exp) if exp <= now_seconds() => SessionPhase::Expired,
        _ => SessionPhase::Invalid,
    }
}

/// Decodes unpadded base64url (RFC 4648 §5), the alphabet of JWT segments. A few lines
/// here rather than a base64 library in the wasm.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0_u32, 0_u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = ((buffer << 6) | u32::from(value)) & 0xFFFF;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xFF) as u8);
        }
    }
    // One character left over (six bits) is never a whole byte.
    (bits < 6).then_some(out)
}

/// Splits `?a=1&token=x&lang=en` into the token and the query string without it
/// (`?a=1&lang=en`, or empty when nothing is left).
pub fn split_token_param(search: &str) -> (Option<String>, String) {
    let query = search.strip_prefix('?').unwrap_or(search);
    let mut token = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("token", value)) => {
                if token.is_none() && !value.is_empty() {
                    token = Some(value.to_owned());
                }
            }
            _ if pair == "token" => {}
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    };
    (token, rest)
}

/// Reads `?token=` once and removes it from the address bar (and so from the history
/// entry) before anything else runs. Must be called before the router reads the URL.
pub fn take_token_from_url() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let search = location.search().ok()?;
    let (token, rest) = split_token_param(&search);
    if token.is_some() {
        let path = location.pathname().unwrap_or_else(|_| "/".into());
        let hash = location.hash().unwrap_or_default();
        if let Ok(history) = window.history() {
            // If this failed the token would stay visible; there is nothing better to do
            // than carry on, and the app still never stores it.
            let _ = history.replace_state_with_url(
                &JsValue::NULL,
                "",
                Some(&format!("{path}{rest}{hash}")),
            );
        }
    }
    token
}

/// Whether the app runs inside a frame (`window.parent != window`).
pub fn is_embedded() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    match window.parent() {
        Ok(Some(parent)) => !js_sys::Object::is(parent.as_ref(), window.as_ref()),
        _ => false,
    }
}

/// Where the session stands; drives the gate in front of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPhase {
    /// Standalone without a token: asking the API whether the session cookie is good.
    Checking,
    /// Signed in: the pages show.
    Active,
    /// No token yet (standalone: the sign-in screen; embedded: waiting for the workbench).
    SignedOut,
    /// The token's time is up; waiting for a new one.
    Expired,
    /// The token is not one the API accepts (malformed, tampered, wrongly signed).
    Invalid,
}

/// The session, shared through the context. Everything is `Copy` signals.
#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    /// Signed in by the session cookie (after a reload): who, as the API said.
    cookie: RwSignal<Option<Claims>>,
    phase: RwSignal<SessionPhase>,
    /// Origins whose `auth` messages are accepted and to which the app posts; from
    /// `GET /api/app-config`.
    allowed_origins: RwSignal<Vec<String>>,
    embedded: bool,
}

impl Session {
    pub fn new(initial_token: Option<String>, embedded: bool) -> Session {
        let phase = match &initial_token {
            Some(token) if decode_claims(token).is_none() => SessionPhase::Invalid,
            Some(_) => SessionPhase::Active,
            None if embedded => SessionPhase::SignedOut,
            None => SessionPhase::Checking,
        };
        let initial_token = initial_token.filter(|_| phase == SessionPhase::Active);
        Session {
            token: RwSignal::new(initial_token),
            cookie: RwSignal::new(None),
            phase: RwSignal::new(phase),
            allowed_origins: RwSignal::new(Vec::new()),
            embedded,
        }
    }

    pub fn embedded(&self) -> bool {
        self.embedded
    }

    pub fn phase(&self) -> SessionPhase {
        self.phase.get()
    }

    /// The current token, without subscribing to it.
    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// The decoded payload of the current token, or who the session cookie signs in
    /// (reactive).
    pub fn claims(&self) -> Option<Claims> {
        self.token
            .with(|t| t.as_deref().and_then(decode_claims))
            .or_else(|| self.cookie.get())
    }

    /// Whether requests go with the session cookie (no token in memory).
    pub fn by_cookie(&self) -> bool {
        self.token.with_untracked(Option::is_none) && self.cookie.with_untracked(Option::is_some)
    }

    /// Signed in by the session cookie as `who` (after a reload).
    pub fn resume(&self, who: Claims) {
        self.cookie.set(Some(who));
        self.phase.set(SessionPhase::Active);
    }

    /// No session cookie, or it is no longer good: the sign-in screen.
    pub fn signed_out(&self) {
        self.token.set(None);
        self.cookie.set(None);
        self.phase.set(SessionPhase::SignedOut);
    }

    pub fn is_admin(&self) -> bool {
        self.claims().is_some_and(|c| c.is_admin())
    }

    pub fn sign_in(&self, token: String) {
        self.token.set(Some(token));
        self.phase.set(SessionPhase::Active);
    }

    /// The API refused `used_token` (the session cookie when `None`) with 401. Only the
    /// first refusal of the current credential counts, so parallel requests post one
    /// `portal:token-expired`, not several.
    pub fn expire(&self, used_token: Option<&str>) {
        let phase = match used_token {
            Some(token) if self.token.get_untracked().as_deref() == Some(token) => {
                refusal_of(token)
            }
            None if self.by_cookie() => {
                let exp = self.cookie.get_untracked().and_then(|c| c.exp);
                match exp {
                    Some(exp) if exp > now_seconds() => SessionPhase::Invalid,
                    _ => SessionPhase::Expired,
                }
            }
            _ => return,
        };
        self.token.set(None);
        self.cookie.set(None);
        self.phase.set(phase);
        if self.embedded {
            post_to_parent(
                "portal:token-expired",
                None,
                &self.allowed_origins.get_untracked(),
            );
        }
    }

    /// Starts the embedding handshake: listen for `auth` from the allowed origins, then
    /// post `portal:ready` to the parent.
    pub fn start_handshake(&self, allowed_origins: Vec<String>) {
        self.allowed_origins.set(allowed_origins.clone());
        if !self.embedded {
            return;
        }
        listen_for_auth(*self, allowed_origins.clone());
        post_to_parent("portal:ready", None, &allowed_origins);
    }

    /// Tells the embedding workbench that a notification arrived (contract §11):
    /// `{type: "portal:notice", notice: {kind, title}}`, to the allowed origins only.
    pub fn notify_parent(&self, kind: &str, title: &str) {
        if self.embedded {
            post_to_parent(
                "portal:notice",
                Some((kind, title)),
                &self.allowed_origins.get_untracked(),
            );
        }
    }
}

pub fn provide_session(session: Session) {
    provide_context(session);
}

pub fn use_session() -> Session {
    // The session is provided by `App` before any page exists; a missing one is a
    // programming error that a fresh, signed-out session handles gracefully.
    use_context::<Session>().unwrap_or_else(|| Session::new(None, false))
}

/// Posts `{type}` (with `notice: {kind, title}` when given) to the parent, once per
/// allowed origin: the browser delivers it only where the target origin matches the
/// parent's, and the app never posts to `"*"`.
fn post_to_parent(kind: &str, notice: Option<(&str, &str)>, origins: &[String]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let set = |object: &js_sys::Object, key: &str, value: &str| {
        js_sys::Reflect::set(object, &key.into(), &value.into()).is_ok()
    };
    let message = js_sys::Object::new();
    if !set(&message, "type", kind) {
        return;
    }
    if let Some((notice_kind, title)) = notice {
        let inner = js_sys::Object::new();
        let built = set(&inner, "kind", notice_kind)
            && set(&inner, "title", title)
            && js_sys::Reflect::set(&message, &"notice".into(), &inner).is_ok();
        if !built {
            return;
        }
    }
    for origin in origins {
        // A mismatching target origin is dropped by the browser (with a console note):
        // that is exactly the exact-match rule.
        let _ = parent.post_message(&message, origin);
    }
}

/// Whether a message from `origin` may hand over a token.
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    !origin.is_empty() && origin != "null" && allowed.iter().any(|a| a == origin)
}

fn listen_for_auth(session: Session, allowed: Vec<String>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if !origin_allowed(&event.origin(), &allowed) {
                return;
            }
            // Only the frame's own parent may sign it in, not another window of that origin.
            let from_parent = match (event.source(), web_sys::window().map(|w| w.parent())) {
                (Some(source), Some(Ok(Some(parent)))) => {
                    js_sys::Object::is(source.as_ref(), parent.as_ref())
                }
                _ => false,
            };
            if !from_parent {
                return;
            }
            let data = event.data();
            let kind = js_sys::Reflect::get(&data, &"type".into())
                .ok()
                .and_then(|v| v.as_string());
            let token = js_sys::Reflect::get(&data, &"token".into())
                .ok()
                .and_then(|v| v.as_string());
            if let (Some("auth"), Some(token)) = (kind.as_deref(), token)
                && decode_claims(&token).is_some()
            {
                session.sign_in(token);
            }
        });
    if window
        .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref())
        .is_ok()
    {
        // The listener lives as long as the page.
        on_message.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn token_with(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_the_role_from_the_payload() {
        let admin = token_with(
            r#"{"customer_id":"cust_demo","user_id":"u1","role":"admin","exp":1767225600}"#,
        );
        let claims = decode_claims(&admin).unwrap();
        assert!(claims.is_admin());
        assert_eq!(claims.customer_id.as_deref(), Some("cust_demo"));
        let member = token_with(r#"{"customer_id":"c","user_id":"u","role":"member","exp":1}"#);
        assert!(!decode_claims(&member).unwrap().is_admin());
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        assert_eq!(decode_claims("not-a-token"), None);
        assert_eq!(decode_claims("a.b"), None);
        assert_eq!(decode_claims("a.%%%.c"), None);
        assert_eq!(decode_claims(&token_with("[1,2]")), None);
        assert_eq!(decode_claims(&format!("{}.extra", token_with("{}"))), None);
    }

    #[test]
    fn decodes_base64url_as_the_base64_crate_does() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(base64url(&text), Some(bytes), "{text}");
        }
        assert_eq!(base64url("eyJ"), Some(b"{\"".to_vec()));
        assert_eq!(base64url("a"), None);
        assert_eq!(base64url("ab+/"), None);
        assert_eq!(base64url("a b"), None);
    }

    #[test]
    fn takes_the_token_out_of_the_query() {
        assert_eq!(
            split_token_param("?token=abc.def.ghi"),
            (Some("abc.def.ghi".into()), String::new())
        );
        assert_eq!(
            split_token_param("?lang=en&token=t.o.k&x=1"),
            (Some("t.o.k".into()), "?lang=en&x=1".into())
        );
        assert_eq!(split_token_param("?lang=en"), (None, "?lang=en".into()));
        assert_eq!(split_token_param(""), (None, String::new()));
        assert_eq!(split_token_param("?token="), (None, String::new()));
    }

    #[test]
    fn only_listed_origins_may_sign_in() {
        let allowed = vec!["http://127.0.0.1:9100".to_owned()];
        assert!(origin_allowed("http://127.0.0.1:9100", &allowed));
        assert!(!origin_allowed("http://127.0.0.1:9101", &allowed));
        assert!(!origin_allowed("http://127.0.0.1:9100/", &allowed));
        assert!(!origin_allowed("null", &["null".to_owned()]));
        assert!(!origin_allowed("", &allowed));
    }
}
