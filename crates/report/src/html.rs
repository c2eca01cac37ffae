//! HTML helpers shared by the printable documents, and their stylesheet.

use chrono::NaiveDate;

use crate::language::{Language, iso_date};

/// Where the web server serves [`PRINT_CSS`]; every printable document links to it.
pub const PRINT_CSS_PATH: &str = "/assets/print.css";

/// The stylesheet of printable documents (A4 pages), to be served at [`PRINT_CSS_PATH`] as
/// `text/css`. It uses logical properties (`margin-inline-start`, `text-align: start`...) so that
/// right-to-left documents lay out mirrored without a stylesheet of their own.
pub const PRINT_CSS: &str = include_str!("print.css");

/// Escapes text for HTML element content and quoted attribute values: `& < > " '`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// An HTML document being written. Markup goes in with [`Html::raw`] (only ever string literals of
/// this crate); everything else goes in with [`Html::text`], escaped.
pub(crate) struct Html {
    out: String,
}

impl Html {
    pub(crate) fn new() -> Self {
        Html {
            out: String::with_capacity(16 * 1024),
        }
    }

    /// Markup, written as is.
    pub(crate) fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text, escaped.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.out, text);
        self
    }

    /// `<time datetime="2026-03-01">1.3.2026</time>`.
    pub(crate) fn date(&mut self, date: NaiveDate, lang: Language) -> &mut Self {
        self.raw("<time datetime=\"")
            .text(&iso_date(date))
            .raw("\">")
            .text(&lang.format_date(date))
            .raw("</time>")
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape(r#"a & b "c" 'd'"#), "a &amp; b &quot;c&quot; &#39;d&#39;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("Äö ц ب"), "Äö ц ب");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn stylesheet_is_for_print_and_right_to_left() {
        assert!(PRINT_CSS.contains("@page"));
        assert!(PRINT_CSS.contains("size: A4"));
        assert!(PRINT_CSS.contains("margin-inline-start"));
        assert!(PRINT_CSS.contains("page-break-inside: avoid"));
        assert!(PRINT_CSS.contains("sans-serif"));
        // Self-contained: nothing fetched from elsewhere.
        assert!(!PRINT_CSS.contains("@import"));
        assert!(!PRINT_CSS.contains("url("));
    }
}
