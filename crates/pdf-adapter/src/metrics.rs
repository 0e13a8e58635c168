//! Text measurement with the font's own advance widths, for wrapping and alignment.

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

pub struct FontMetrics {
    font: FontRef<'static>,
    glyphs: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl FontMetrics {
    pub fn new(data: &'static [u8]) -> Option<Self> {
        let font = FontRef::from_index(data, 0).ok()?;
        let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Some(Self {
            font,
            glyphs,
            units_per_em,
        })
    }

    /// Width of `c` at `size` points; characters the font lacks measure as its .notdef.
    pub fn char_width(&self, c: char, size: f32) -> f32 {
        let gid = self.font.charmap().map(c).unwrap_or_default();
        self.glyphs.advance_width(gid).unwrap_or(0.0) / self.units_per_em * size
    }

    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.font.charmap().map(c).is_some()
    }

    /// Breaks `text` into lines no wider than `max_width`. Latin words stay whole where
    /// they fit; CJK text (no spaces) breaks between any two characters, except that a
    /// closing punctuation mark (`，`, `）` …) does not start a line: the character or word
    /// before it goes along; a word wider than the line is broken by character. Explicit
    /// newlines are kept.
    pub fn wrap(&self, text: &str, size: f32, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            // Where the line's last word starts, and its width.
            let mut last: Option<(usize, f32)> = None;
            for token in tokens(paragraph) {
                let token_width = self.width(&token, size);
                if line_width + token_width <= max_width {
                    if !token.trim().is_empty() {
                        last = Some((line.len(), token_width));
                    }
                    line.push_str(&token);
                    line_width += token_width;
                    continue;
                }
                if token.trim().is_empty() {
                    // A space at the break is dropped.
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    continue;
                }
                if !line.is_empty() && token_width <= max_width {
                    let carried = last.filter(|(start, width)| {
                        token.starts_with(no_line_start)
                            && !line[..*start].trim().is_empty()
                            && width + token_width <= max_width
                    });
                    let (start, carried_width) = carried.unwrap_or((line.len(), 0.0));
                    let next = line.split_off(start);
                    lines.push(std::mem::take(&mut line).trim_end().to_owned());
                    line = next;
                    last = Some((line.len(), token_width));
                    line.push_str(&token);
                    line_width = carried_width + token_width;
                    continue;
                }
                last = None;
                for c in token.chars() {
                    let w = self.char_width(c, size);
                    if line_width + w > max_width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line).trim_end().to_owned());
                        line_width = 0.0;
                    }
                    line.push(c);
                    line_width += w;
                }
            }
            lines.push(line.trim_end().to_owned());
        }
        lines
    }
}

/// Punctuation that closes what comes before it, so cannot begin a line.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '…'
            | '·'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | '%'
    )
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Words, runs of spaces, and single wide characters.
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_is_space = false;
    for c in text.chars() {
        if is_wide(c) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            out.push(c.to_string());
            continue;
        }
        let space = c.is_whitespace();
        if !current.is_empty() && space != current_is_space {
            out.push(std::mem::take(&mut current));
        }
        current_is_space = space;
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> FontMetrics {
        FontMetrics::new(crate::FONT_DATA).unwrap()
    }

    #[test]
    fn the_font_covers_what_invoices_print() {
        let m = metrics();
        for c in
            "发票示例科技有限公司¥0123456789,.-/：（）()年月日第页共 InvoicePaidABCxyz@→".chars()
        {
            assert!(m.covers(c), "missing glyph for {c:?}");
        }
    }

    #[test]
    fn chinese_without_spaces_wraps_by_width_and_loses_nothing() {
        let m = metrics();
        let text = "示例科技有限公司".repeat(12);
        let lines = m.wrap(&text, 10.0, 120.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 120.0 + 0.01));
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn closing_punctuation_does_not_start_a_line() {
        let m = metrics();
        // Four characters fit; the comma after them takes the fourth along.
        let width = m.width("一二三四", 10.0);
        assert_eq!(
            m.wrap("一二三四，五六七", 10.0, width),
            ["一二三", "四，五六", "七"]
        );
        // A word is carried whole, the space before it dropped.
        let width = m.width("used 12345", 10.0);
        assert_eq!(
            m.wrap("used 12345，included", 10.0, width),
            ["used", "12345，", "included"]
        );
        // Nothing to carry on a line of one word: the mark starts the line after all.
        let width = m.width("一", 10.0);
        assert_eq!(m.wrap("一，", 10.0, width), ["一", "，"]);
    }

    #[test]
    fn latin_words_stay_whole_and_long_words_break() {
        let m = metrics();
        let lines = m.wrap(
            "Professional plan monthly fee for the customer",
            10.0,
            100.0,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(m.width(l, 10.0) <= 100.0 + 0.01, "{l}");
            assert!(!l.starts_with(' ') && !l.ends_with(' '));
        }
        assert_eq!(
            lines.join(" "),
            "Professional plan monthly fee for the customer"
        );
        let long = "x".repeat(200);
        let broken = m.wrap(&long, 10.0, 100.0);
        assert_eq!(broken.concat(), long);
    }
}
