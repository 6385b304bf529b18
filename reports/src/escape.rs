//! Escaping text for the markup reports: HTML (the page) and XML 1.0 (JUnit).

/// Escapes text for HTML content and attribute values.
pub fn html_escape(s: &str) -> String {
    escape(s, Markup::Html)
}

/// Escapes text for XML 1.0 content and attribute values; drops characters XML cannot hold.
pub fn xml_escape(s: &str) -> String {
    escape(s, Markup::Xml)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Markup {
    Html,
    Xml,
}

fn escape(s: &str, markup: Markup) -> String {
    let xml = markup == Markup::Xml;
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if xml => out.push_str("&apos;"),
            '\'' => out.push_str("&#39;"),
            '\n' if xml => out.push_str("&#10;"),
            '\r' if xml => out.push_str("&#13;"),
            '\t' if xml => out.push_str("&#9;"),
            c if xml && ((c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}') => {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}
