//! Message content, Markdown, as HTML that can hold nothing but text and formatting.
//!
//! Content is parsed with pulldown-cmark and written with its HTML writer, which escapes text
//! and attribute values. Everything that writer would pass through as markup, or that could
//! reach outside the page, is changed on the way:
//!
//! - **raw HTML** (`<script>`, `<img onerror>`, `</details>`, `<!--`, `</style>`): shown as
//!   text. An HTML block becomes a `<pre class="raw-html">` of its source, inline HTML escaped
//!   text in its paragraph. Nothing a message holds is ever interpreted as markup;
//! - **links**: kept only for `http:`, `https:` and `mailto:` (and `#fragment`s, which stay in
//!   the page), checked as a browser reads a URL (case, tabs and line breaks inside, leading
//!   spaces and controls ignored). Any other (`javascript:`, `data:`, `file:`, `vbscript:`,
//!   relative paths) is shown as its text followed by the URL in a `blocked-link` span; kept
//!   links get `rel="nofollow noopener noreferrer"`;
//! - **images**: never loaded (the page's Content-Security-Policy would refuse them anyway):
//!   shown as `image: ALT` and the URL, a link when it is http(s);
//! - **code blocks**: highlighted by [`highlight`](crate::highlight), escaped;
//! - **headings**: moved two levels down (`#` becomes `<h3>`), under the page's own;
//! - bidirectional overrides and control characters: made visible first
//!   ([`visible_controls`]).

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::escape::{escape, visible_controls};
use crate::highlight::code_block;

/// The HTML of Markdown `source` (see the module documentation).
pub fn render(source: &str) -> String {
    let source = visible_controls(source);
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let parser = Parser::new_ext(&source, options);
    let mut events: Vec<Event<'_>> = Vec::new();
    // What each open link became: `Some(url)` when it was refused (shown after its text).
    let mut links: Vec<Option<String>> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    let mut code: Option<(String, String)> = None;
    for event in parser {
        if let Some((_, text)) = &mut code {
            match event {
                Event::Text(part) => text.push_str(&part),
                Event::End(TagEnd::CodeBlock) => {
                    let (lang, text) = code.take().unwrap_or_default();
                    events.push(Event::Html(code_block(&lang, &text).into()));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Start(Tag::HtmlBlock) => {
                events.push(Event::Html("<pre class=\"raw-html\">".into()));
            }
            Event::End(TagEnd::HtmlBlock) => events.push(Event::Html("</pre>".into())),
            Event::Html(text) | Event::InlineHtml(text) => events.push(Event::Text(text)),
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => {
                if allowed_url(&dest_url) {
                    events.push(Event::Html(open_link(&dest_url, &title).into()));
                    links.push(None);
                } else {
                    links.push(Some(dest_url.into_string()));
                }
            }
            Event::End(TagEnd::Link) => match links.pop().flatten() {
                None => events.push(Event::Html("</a>".into())),
                Some(url) => events.push(Event::Html(
                    format!(" <span class=\"blocked-link\">({})</span>", escape(&url)).into(),
                )),
            },
            Event::Start(Tag::Image { dest_url, .. }) => {
                events.push(Event::Html("<span class=\"image\">image: ".into()));
                images.push(dest_url.into_string());
            }
            Event::End(TagEnd::Image) => {
                let url = images.pop().unwrap_or_default();
                let shown = if is_web_url(&url) {
                    format!(" ({}{}</a>)", open_link(&url, ""), escape(&url))
                } else {
                    format!(" <span class=\"blocked-link\">({})</span>", escape(&url))
                };
                events.push(Event::Html(format!("{shown}</span>").into()));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => events.push(Event::Start(Tag::Heading {
                level: lower(level),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => {
                events.push(Event::End(TagEnd::Heading(lower(level))));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(source.len() + source.len() / 4 + 16);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// `<a href=URL title=TITLE rel=...>` for an allowed `url`.
fn open_link(url: &str, title: &str) -> String {
    let mut tag = format!(
        "<a href=\"{}\" rel=\"nofollow noopener noreferrer\"",
        escape(url)
    );
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    tag.push('>');
    tag
}

/// A heading two levels below `level`, under the page's `<h1>` and the message's `<h2>`.
fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// `url` as a browser reads it for its scheme: without tabs and line breaks anywhere, without
/// leading spaces and controls, lower case.
fn normalized(url: &str) -> String {
    url.trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `url` is `http:` or `https:`.
fn is_web_url(url: &str) -> bool {
    let url = normalized(url);
    url.starts_with("http://") || url.starts_with("https://")
}

/// Whether a link to `url` is kept: web and mail addresses, and fragments of this page.
fn allowed_url(url: &str) -> bool {
    is_web_url(url) || normalized(url).starts_with("mailto:") || url.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No element or attribute a script could hide behind.
    fn assert_inert(html: &str) {
        for forbidden in [
            "<script",
            "<img",
            "<style",
            "<iframe",
            "<svg",
            "<!--",
            "</details",
            "href=\"javascript",
            "href=\"data",
            "href=\"vbscript",
        ] {
            assert!(
                !html.to_ascii_lowercase().contains(forbidden),
                "{forbidden} in {html}"
            );
        }
    }

    #[test]
    fn markdown_is_formatted() {
        assert_eq!(
            render("Hello **world**, `code` and [a link](https://example.com).\n"),
            "<p>Hello <strong>world</strong>, <code>code</code> and <a \
             href=\"https://example.com\" rel=\"nofollow noopener noreferrer\">a link</a>.</p>\n"
        );
        assert_eq!(render("# Title\n"), "<h3>Title</h3>\n");
        assert_eq!(render("###### Deep\n"), "<h6>Deep</h6>\n");
        assert!(render("| a |\n|---|\n| b |\n").contains("<table>"));
    }

    #[test]
    fn script_tags_are_text() {
        let html = render("<script>document.title='pwned'</script>\n");
        assert_inert(&html);
        assert_eq!(
            html,
            "<pre class=\"raw-html\">&lt;script&gt;document.title='pwned'&lt;/script&gt;\n</pre>"
        );
        let html = render("inline <script>alert(1)</script> here");
        assert_inert(&html);
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn event_handlers_are_text() {
        let html = render("<img src=x onerror=alert(1)>\n\ntext <img src=x onerror=alert(2)>");
        assert_inert(&html);
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn script_links_are_refused_and_shown() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java&#9;script:alert(1)",
            "&#106;avascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "relative/path.html",
        ] {
            let html = render(&format!("[click]({url})"));
            assert_inert(&html);
            assert!(!html.contains("<a "), "{url}: {html}");
            assert!(html.contains("class=\"blocked-link\""), "{url}: {html}");
        }
        let html = render("<javascript:alert(1)>");
        assert_inert(&html);
        assert!(html.contains("javascript:alert(1)"), "{html}");
        let html = render("[mail](mailto:a@example.com) [here](#m3)");
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
        assert!(html.contains("href=\"#m3\""), "{html}");
    }

    #[test]
    fn link_attributes_cannot_be_broken_out_of() {
        let html = render("[x](<https://e.com/\"onmouseover=\"alert(1)> \"t\\\" onclick=\\\"y\")");
        assert!(html.contains("<a href=\"https://e.com/"), "{html}");
        assert!(!html.contains("onmouseover=\""), "{html}");
        assert!(!html.contains("onclick=\""), "{html}");
    }

    #[test]
    fn images_are_not_loaded() {
        let html = render("![a cat](http://127.0.0.1:9/cat.png) ![x](javascript:alert(1))");
        assert_inert(&html);
        assert!(html.contains("image: a cat"), "{html}");
        assert!(
            html.contains("href=\"http://127.0.0.1:9/cat.png\""),
            "{html}"
        );
        assert!(!html.contains("src="), "{html}");
    }

    #[test]
    fn comments_and_closing_tags_are_text() {
        for hostile in [
            "<!-- hide the rest",
            "</details></article><h1>fake</h1>",
            "</style><style>body{display:none}</style>",
            "</code></pre><script>x</script>",
            "<![CDATA[ x ]]>",
        ] {
            let html = render(hostile);
            assert_inert(&html);
            assert!(html.contains("&lt;"), "{hostile}: {html}");
        }
    }

    #[test]
    fn code_blocks_are_highlighted_and_escaped() {
        let html = render("```rust\nfn main() {} // </pre><script>\n```\n");
        assert_inert(&html);
        assert!(html.contains("<span class=\"hl-k\">fn</span>"), "{html}");
        let html = render("```\n<!-- x -->\n```\n");
        assert_eq!(html, "<pre><code>&lt;!-- x --&gt;\n</code></pre>");
    }

    #[test]
    fn controls_and_overrides_are_visible() {
        let html = render("name\u{202E}gpj.exe and nul\0 and esc\u{1b}[2J");
        assert_eq!(html, "<p>name⟨U+202E⟩gpj.exe and nul␀ and esc␛[2J</p>\n");
    }

    #[test]
    fn huge_lines_render() {
        let line = "x".repeat(1_000_000);
        let html = render(&line);
        assert_eq!(html.len(), line.len() + "<p></p>\n".len());
    }
}
