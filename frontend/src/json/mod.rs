//! The JSON of the API's bodies, read and written without serde: a value tree, a reader
//! (RFC 8259, as strict as `serde_json`) and a writer (the same text as `serde_json`).
//!
//! `serde_json` with the derived `Deserialize` of every body type put a copy of the
//! parsing and field matching in the wasm per type (about 100 kB before compression);
//! here one reader builds a [`Json`] and [`crate::bodies`] turns it into the API's types
//! with a few calls per field, which keeps the first load within its budget.

mod fields;
mod write;

pub use fields::{Fields, boolean, int, money, one_decimal, small, string_map, text, unsigned};

/// A JSON value. Numbers are kept as written, and read as the type a field asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    /// The members in order, as written (a name may repeat: see [`Fields`]).
    Obj(Vec<(String, Json)>),
}

/// The deepest nesting `serde_json` reads (its limit of 128 refuses the 128th level).
const MAX_DEPTH: u32 = 127;

/// Reads one JSON text (surrounding whitespace allowed); `None` if it is not one.
pub fn parse(text: &str) -> Option<Json> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    (reader.pos == reader.bytes.len()).then_some(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Takes `word` when the text continues with it.
    fn word(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// Takes `byte` after any whitespace, when it is there.
    fn token(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        self.word(&[byte])
    }

    fn value(&mut self, depth: u32) -> Option<Json> {
        self.skip_whitespace();
        let first = self.peek()?;
        if matches!(first, b'[' | b'{') {
            if depth >= MAX_DEPTH {
                return None;
            }
            self.pos += 1;
            return if first == b'[' {
                self.array(depth + 1)
            } else {
                self.object(depth + 1)
            };
        }
        if first == b'"' {
            return self.string().map(Json::Str);
        }
        let (value, literal): (Json, &[u8]) = match first {
            b't' => (Json::Bool(true), b"true"),
            b'f' => (Json::Bool(false), b"false"),
            b'n' => (Json::Null, b"null"),
            _ => return self.number().map(Json::Num),
        };
        self.word(literal).then_some(value)
    }

    /// After `[`.
    fn array(&mut self, depth: u32) -> Option<Json> {
        let mut items = Vec::new();
        if !self.token(b']') {
            loop {
                items.push(self.value(depth)?);
                if self.token(b']') {
                    break;
                }
                if !self.token(b',') {
                    return None;
                }
            }
        }
        Some(Json::Arr(items))
    }

    /// After `{`.
    fn object(&mut self, depth: u32) -> Option<Json> {
        let mut members = Vec::new();
        if !self.token(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return None;
                }
                let name = self.string()?;
                if !self.token(b':') {
                    return None;
                }
                members.push((name, self.value(depth)?));
                if self.token(b'}') {
                    break;
                }
                if !self.token(b',') {
                    return None;
                }
            }
        }
        Some(Json::Obj(members))
    }

    /// At `"`: the string, its escapes decoded. Control characters must be escaped, and
    /// a `\u` surrogate must be half of a pair (as `serde_json` has it).
    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let byte = self.peek()?;
            self.pos += 1;
            match byte {
                b'"' => return String::from_utf8(out).ok(),
                0..=0x1F => return None,
                b'\\' => {
                    let escaped = self.peek()?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' | b'\\' | b'/' => char::from(escaped),
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                _ => out.push(byte),
            }
        }
    }

    /// After `\u`: one character, from one escape or a surrogate pair of two.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            // A lone low surrogate is no character: refused here.
            return char::from_u32(high);
        }
        if !self.word(b"\\u") {
            return None;
        }
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        digits.iter().try_fold(0, |value, &digit| {
            let digit = char::from(digit).to_digit(16)?;
            Some(value * 16 + digit)
        })
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as written.
    fn number(&mut self) -> Option<String> {
        let start = self.pos;
        self.word(b"-");
        if !self.word(b"0") && !self.digits() {
            return None;
        }
        if self.word(b".") && !self.digits() {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if !self.word(b"+") {
                self.word(b"-");
            }
            if !self.digits() {
                return None;
            }
        }
        let number = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
        Some(number.to_owned())
    }

    /// One or more digits; whether there was one.
    fn digits(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos > start
    }
}

#[cfg(test)]
mod tests;
