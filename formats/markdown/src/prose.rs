//! Message content made safe to embed in a report as Markdown: the `prose` helper.
//!
//! A report is for people, and a model writes Markdown: fenced whole, its lists, emphasis and code
//! show as source. Pasted raw, though, a message can break the report around it: its `# Heading`
//! outranks the message's own heading, an unclosed code fence or `<!--` swallows every message
//! after it, a `[docs]: https://…` definition redirects the `[docs]` links of other messages, and a
//! line `### 2. User` looks like the next message. [`prose`] parses the content with
//! pulldown-cmark, with offsets, and rewrites only what would reach outside the message:
//!
//! - headings (ATX and setext) move down by the message heading's level, so an `h1` under an `h3`
//!   message heading becomes an `h4`; one that would be deeper than `h6` is an `h6` (still a
//!   heading, still below the message). Setext headings become ATX ones, which can say `h4`;
//! - a fenced code block still open at the end is closed with a fence of its character and
//!   length; an HTML block that only a marker ends (`<!--`, `<?`, `<!DOCTYPE`, `<![CDATA[`,
//!   `<pre>`, `<script>`, `<style>`, `<textarea>`) gets that marker on a line of its own;
//! - HTML elements left open (`<details>`, `<div>`) are closed at the end, so that a page made
//!   from the report does not fold the rest of it into one message;
//! - link reference definitions and footnote definitions are escaped (`\[docs]: …`), since a
//!   definition applies to the whole document: they show as text;
//! - thematic breaks of `-` become `*`, which no reader takes for YAML front matter or a setext
//!   underline.
//!
//! Everything else, the words above all, is left byte for byte. Then the result is checked the
//! way a reader would see it: parsed (CommonMark, then with GitHub's extensions) with a heading of
//! the message's level after it, it must have no heading of that level or above, and that heading
//! must come out whole. Content that fails the check, which none is known to, is fenced instead
//! (see [`crate::helpers::fenced`]): a report may look plainer, never broken. So is content with
//! a line ended by a lone `\r`, on which readers disagree (pulldown-cmark may even drop the text
//! after one).
//!
//! The helper's output ends without a newline: the template must follow it with a blank line,
//! which ends the HTML blocks that a blank line ends (`<div>`, `<span>`, ...).

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// The levels a message heading may have: its content's headings need one more level below it.
pub const LEVELS: std::ops::RangeInclusive<usize> = 1..=5;

/// GitHub's flavour, where reports are mostly read: footnotes change what is a definition.
fn github() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// `content` as Markdown that stays inside a message whose heading has `level` (see the module
/// documentation); `level` must be in [`LEVELS`].
pub fn prose(content: &str, level: usize) -> String {
    let level = level.clamp(*LEVELS.start(), *LEVELS.end());
    // Readers disagree on a line ended by a lone `\r` (CommonMark and GitHub end a line there,
    // pulldown-cmark only sometimes, and may drop the text after it): such content is fenced.
    if has_lone_cr(content) {
        return crate::helpers::fenced(content, "markdown");
    }
    // Most messages are plain text: nothing to rewrite, and no parse to pay for (a session may
    // have hundreds of thousands of messages).
    if is_plain(content) {
        return without_blank_lines(content).to_owned();
    }
    let rewritten = rewrite(content, level);
    if stays_inside(&rewritten, level) {
        rewritten
    } else {
        crate::helpers::fenced(content, "markdown")
    }
}

/// An edit of the content: the bytes of `range` become `text`.
struct Edit {
    range: Range<usize>,
    text: String,
}

/// Whether a line of `content` ends with a `\r` not followed by `\n`.
fn has_lone_cr(content: &str) -> bool {
    let bytes = content.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(at, byte)| *byte == b'\r' && bytes.get(at + 1) != Some(&b'\n'))
}

/// Whether `content` holds none of the characters that start a heading (`#`, `=`, `-`), a
/// fence, HTML, a definition or a thematic break, so that [`rewrite`] would change nothing.
fn is_plain(content: &str) -> bool {
    !content.contains(['#', '=', '-', '`', '~', '<', '[', '*', '_', '\r'])
}

/// `content` without the blank lines around it, which are the template's to write (and a closing
/// fence goes right after the text). The first line keeps its indentation, which may make it code.
fn without_blank_lines(content: &str) -> &str {
    let content = content.trim_end_matches(['\n', '\r', ' ', '\t']);
    let text_at = content.len() - content.trim_start_matches(['\n', '\r', ' ', '\t']).len();
    &content[content[..text_at].rfind('\n').map_or(0, |at| at + 1)..]
}

fn rewrite(content: &str, level: usize) -> String {
    let content = without_blank_lines(content);
    // Every definition starts with `[`: without one, there is nothing to escape first.
    if !content.contains('[') {
        return rewrite_blocks(content, level);
    }
    // Definitions first: escaped, one is a paragraph, and the line under it may then be a
    // setext underline, so the rest is found in the text as it reads without them.
    let parser = Parser::new_ext(content, github()).into_offset_iter();
    let mut edits: Vec<Edit> = parser
        .reference_definitions()
        .iter()
        .map(|(_, definition)| escape_at(content, definition.span.start))
        .collect();
    edits.extend(parser.filter_map(|(event, range)| {
        matches!(event, Event::Start(Tag::FootnoteDefinition(_)))
            .then(|| escape_at(content, range.start))
    }));
    let escaped = apply(content, edits);
    rewrite_blocks(&escaped, level)
}

/// [`rewrite`] once the definitions are escaped.
fn rewrite_blocks(source: &str, level: usize) -> String {
    let mut edits = Vec::new();
    let mut closers = String::new();
    let mut html = String::new();

    let parser = Parser::new_ext(source, github()).into_offset_iter();
    for (_, definition) in parser.reference_definitions().iter() {
        edits.push(escape_at(source, definition.span.start));
    }
    // Containers (quotes, list items, footnotes) end with the message: only a code or HTML block
    // at the top level can run into what follows.
    let mut depth = 0usize;
    for (event, range) in parser {
        match event {
            Event::Start(Tag::Heading { level: own, .. }) => {
                let demoted = (own as usize + level).min(6);
                edits.extend(demote(source, range, demoted));
            }
            Event::Start(Tag::FootnoteDefinition(_)) => {
                edits.push(escape_at(source, range.start));
                depth += 1;
            }
            Event::Start(Tag::BlockQuote(_) | Tag::Item) => depth += 1,
            Event::End(TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition) => {
                depth = depth.saturating_sub(1);
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) if depth == 0 => {
                if let Some(fence) = unclosed_fence(&source[range]) {
                    closers.push('\n');
                    closers.push_str(&fence);
                }
            }
            Event::Start(Tag::HtmlBlock) if depth == 0 => {
                if let Some(end) = unended_html(&source[range]) {
                    closers.push('\n');
                    closers.push_str(end);
                }
            }
            Event::Rule => {
                let text = &source[range.clone()];
                if text.contains('-') {
                    edits.push(Edit {
                        range,
                        text: text.replace('-', "*"),
                    });
                }
            }
            Event::Html(text) | Event::InlineHtml(text) => html.push_str(&text),
            _ => {}
        }
    }

    let mut out = apply(source, edits);
    out.push_str(&closers);
    html.push_str(&closers);
    let open = open_elements(&html);
    if !open.is_empty() {
        out.push_str("\n\n");
        let tags: Vec<String> = open.iter().rev().map(|name| format!("</{name}>")).collect();
        out.push_str(&tags.join("\n"));
    }
    out
}

/// `source` with `edits` made.
fn apply(source: &str, mut edits: Vec<Edit>) -> String {
    let mut out = String::with_capacity(source.len() + edits.len() + 16);
    let mut at = 0;
    edits.sort_by_key(|edit| edit.range.start);
    for edit in edits {
        if edit.range.start < at {
            continue; // Overlaps one already made (cannot happen with the edits made here).
        }
        out.push_str(&source[at..edit.range.start]);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(&source[at..]);
    out
}

/// A backslash before the `[` at `at` (or the first one after it), which makes a definition text.
fn escape_at(source: &str, at: usize) -> Edit {
    let bracket = source[at..].find('[').map_or(at, |offset| at + offset);
    Edit {
        range: bracket..bracket,
        text: "\\".to_owned(),
    }
}

/// The heading at `range` as a heading of level `level`.
fn demote(source: &str, range: Range<usize>, level: usize) -> Option<Edit> {
    let hashes = "#".repeat(level);
    let text = source[range.clone()].trim_end_matches(['\n', '\r']);
    let start = range.start;
    let mut lines = lines(text);
    let first = lines.next()?;
    let rest: Vec<&str> = lines.collect();
    match rest.split_last() {
        // ATX: one line; its run of `#` changes length.
        None => {
            let indent = first.len() - first.trim_start().len();
            let run = first[indent..].len() - first[indent..].trim_start_matches('#').len();
            Some(Edit {
                range: start + indent..start + indent + run,
                text: hashes,
            })
        }
        // Setext: the text's lines, then an underline. ATX headings are one line, so the lines
        // are joined; on lines after the first, a container's prefix (`> `) is left out, as the
        // underline shows it.
        Some((underline, middle)) => {
            let prefix = underline
                .find(['=', '-'])
                .map_or("", |at| underline[..at].trim_end());
            let mut joined = first.trim().to_owned();
            for line in middle {
                let line = line.trim_start();
                let line = line.strip_prefix(prefix).unwrap_or(line).trim();
                if !line.is_empty() {
                    joined.push(' ');
                    joined.push_str(line);
                }
            }
            // A closing run of `#` would be taken off an ATX heading: one more keeps it.
            if joined.ends_with('#') {
                joined.push_str(" #");
            }
            Some(Edit {
                range: start..start + text.len(),
                text: format!("{hashes} {joined}"),
            })
        }
    }
}

/// The non-empty lines of `text`, ended by `\n` or `\r\n` (content with a lone `\r` is fenced).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r']).filter(|line| !line.is_empty())
}

/// The fence that closes the fenced code block `block`, when its own closing fence is missing.
fn unclosed_fence(block: &str) -> Option<String> {
    let block = block.trim_end_matches(['\n', '\r']);
    let opening = block.trim_start_matches(' ');
    let marker = opening.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let length = opening.len() - opening.trim_start_matches(marker).len();
    let closed = lines(block).count() > 1
        && lines(block).last().is_some_and(|line| {
            // A closing fence is indented 3 spaces at most; a tab or a fourth space makes it code.
            let fence = line.trim_start_matches(' ');
            let fence_length = fence.len() - fence.trim_start_matches(marker).len();
            line.len() - fence.len() <= 3
                && fence_length >= length
                && fence[fence_length..].trim().is_empty()
        });
    (!closed).then(|| marker.to_string().repeat(length))
}

/// The end marker of the HTML block `block`, when the block is of a kind only its marker ends
/// (CommonMark's kinds 1 to 5) and the marker is missing.
fn unended_html(block: &str) -> Option<&'static str> {
    let opening = block.trim_start().to_ascii_lowercase();
    const RAW: [&str; 4] = ["script", "pre", "style", "textarea"];
    let (end, after): (&[&str], usize) = if let Some(name) = RAW.iter().find(|name| {
        opening
            .strip_prefix('<')
            .and_then(|rest| rest.strip_prefix(**name))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r', '>']))
    }) {
        // Any of the four end tags ends the block; the one that matches closes the element.
        let closer: &'static str = match *name {
            "script" => "</script>",
            "pre" => "</pre>",
            "style" => "</style>",
            _ => "</textarea>",
        };
        let ends = ["</script>", "</pre>", "</style>", "</textarea>"];
        return (!ends.iter().any(|end| opening.contains(end))).then_some(closer);
    } else if opening.starts_with("<!--") {
        (&["-->"], 2)
    } else if opening.starts_with("<?") {
        (&["?>"], 2)
    } else if opening.starts_with("<![cdata[") {
        (&["]]>"], 9)
    } else if opening.starts_with("<!") {
        (&[">"], 2)
    } else {
        return None;
    };
    let rest = opening.get(after..).unwrap_or("");
    (!end.iter().any(|marker| rest.contains(marker))).then_some(end[0])
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose content is text, not tags.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title"];

/// The elements the raw HTML `html` opens and leaves open, outermost first. A close tag closes
/// the innermost open element of its name and those opened inside it, as a browser does; one with
/// nothing to close is ignored.
fn open_elements(html: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        // A comment holds no tags.
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = usize::from(closing);
        let name: String = rest[name_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let Some(end) = rest.find('>') else {
            break;
        };
        let self_closing = rest[..end].ends_with('/');
        rest = &rest[end + 1..];
        if closing {
            if let Some(at) = open.iter().rposition(|known| *known == name) {
                open.truncate(at);
            }
        } else if RAW_TEXT.contains(&name.as_str()) {
            // Neither does a script or style: its text runs to its end tag.
            let end_tag = format!("</{name}");
            match rest.to_ascii_lowercase().find(&end_tag) {
                Some(end) => rest = &rest[end..],
                None => {
                    open.push(name);
                    break;
                }
            }
        } else if !self_closing && !VOID.contains(&name.as_str()) {
            open.push(name);
        }
    }
    open
}

/// Whether `markdown`, followed by a blank line and a heading of `level`, leaves that heading
/// whole and has no heading of `level` or above of its own: read as CommonMark, and with
/// GitHub's extensions.
pub fn stays_inside(markdown: &str, level: usize) -> bool {
    let sentinel = format!("{} confab-end-of-message", "#".repeat(level));
    let document = format!("{markdown}\n\n{sentinel}\n");
    let sentinel_at = markdown.len() + 2;
    [Options::empty(), github()].into_iter().all(|options| {
        let mut top = Vec::new();
        for (event, range) in Parser::new_ext(&document, options).into_offset_iter() {
            if let Event::Start(Tag::Heading { level: found, .. }) = event
                && (found as usize) <= level
            {
                top.push(range);
            }
        }
        matches!(top.as_slice(), [only] if only.start == sentinel_at
            && document[only.clone()].trim_end() == sentinel)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helpers::fenced;

    #[test]
    fn plain_prose_is_left_as_it_is() {
        let text = "Some *emphasis*, a list:\n\n- one\n- two\n\n```sql\nselect 1;\n```\n\nDone.";
        assert_eq!(prose(text, 3), text);
        assert_eq!(prose("trailing newlines\n\n\n", 3), "trailing newlines");
        assert_eq!(prose("\n  \n\n    code\n\n", 3), "    code");
    }

    #[test]
    fn plain_text_takes_the_short_way_to_the_same_result() {
        for text in [
            "plain",
            "\n\n  two\nlines, 1. 2. 3.\n\n+ a list\n> a quote | a pipe\n\n    code\n\n",
            "",
            "  \n",
        ] {
            assert!(is_plain(text), "{text:?}");
            assert_eq!(prose(text, 3), rewrite(text, 3), "{text:?}");
        }
        for text in ["a-b", "#", "x\r", "<b>", "[a]", "`", "~", "=", "*", "_"] {
            assert!(!is_plain(text), "{text:?}");
        }
    }

    #[test]
    fn headings_nest_under_the_message_heading() {
        assert_eq!(prose("# Title\n\n## Part", 3), "#### Title\n\n##### Part");
        assert_eq!(prose("  ### 2. User", 3), "  ###### 2. User");
        assert_eq!(
            prose("#### deep\n###### deeper", 3),
            "###### deep\n###### deeper"
        );
        assert_eq!(prose("# Title", 1), "## Title");
        assert_eq!(prose("Title\n=====", 3), "#### Title");
        assert_eq!(prose("Two\nlines\n---\nafter", 2), "#### Two lines\nafter");
        assert_eq!(prose("> Quoted\n> title\n> ===", 3), "> #### Quoted title");
        assert_eq!(prose("- # In a list", 3), "- #### In a list");
        assert_eq!(prose("C#\n==", 3), "#### C# #");
        assert_eq!(prose("Windows\r\n===\r\ntext", 3), "#### Windows\r\ntext");
    }

    #[test]
    fn open_fences_are_closed_with_their_own_fence() {
        assert_eq!(prose("```\nunclosed", 3), "```\nunclosed\n```");
        assert_eq!(
            prose("~~~~~ rust\nfn x() {}\n", 3),
            "~~~~~ rust\nfn x() {}\n~~~~~"
        );
        assert_eq!(prose("````\n```\n", 3), "````\n```\n````");
        assert_eq!(prose("```", 3), "```\n```");
        assert_eq!(prose("```\n    ```", 3), "```\n    ```\n```");
        assert_eq!(prose("```\n\t```", 3), "```\n\t```\n```");
        assert_eq!(prose("```\n   ````  ", 3), "```\n   ````");
        assert_eq!(prose("```\r\nx\r\n```", 3), "```\r\nx\r\n```");
        // Readers disagree on a lone `\r`: such content is fenced.
        assert!(has_lone_cr("a\rb") && has_lone_cr("a\r") && !has_lone_cr("a\r\nb"));
        assert_eq!(prose("```\rx\r```", 3), fenced("```\rx\r```", "markdown"));
        assert_eq!(prose("a\rb\r\n", 3), fenced("a\rb\r\n", "markdown"));
        // Closed ones, and one in a quote (which ends with the message), are left alone.
        assert_eq!(prose("```\nx\n```", 3), "```\nx\n```");
        assert_eq!(prose("> ```\n> x", 3), "> ```\n> x");
    }

    #[test]
    fn html_blocks_end_with_the_message() {
        assert_eq!(prose("<!-- note", 3), "<!-- note\n-->");
        assert_eq!(prose("<!-- note -->", 3), "<!-- note -->");
        assert_eq!(prose("<?php echo 1;", 3), "<?php echo 1;\n?>");
        assert_eq!(prose("<!DOCTYPE html", 3), "<!DOCTYPE html\n>");
        assert_eq!(prose("<![CDATA[ x", 3), "<![CDATA[ x\n]]>");
        assert_eq!(prose("<pre>\ncode", 3), "<pre>\ncode\n</pre>");
        assert_eq!(prose("<SCRIPT>\nx\n\ny", 3), "<SCRIPT>\nx\n\ny\n</script>");
        assert_eq!(
            prose("<details><summary>s</summary>\n\n# x", 3),
            "<details><summary>s</summary>\n\n#### x\n\n</details>"
        );
        assert_eq!(
            prose("<div><span>a</span>\n<p>b", 3),
            "<div><span>a</span>\n<p>b\n\n</p>\n</div>"
        );
        assert_eq!(
            prose("<br> <img src=x /> </b>", 3),
            "<br> <img src=x /> </b>"
        );
        // Tags in a comment or a script are text, not elements to close.
        assert_eq!(
            prose("<!-- <div> --> <b>x</b>", 3),
            "<!-- <div> --> <b>x</b>"
        );
        assert_eq!(
            prose("<script>\nlet a = '<div>';\n</script>", 3),
            "<script>\nlet a = '<div>';\n</script>"
        );
    }

    #[test]
    fn definitions_stay_in_their_message_as_text() {
        assert_eq!(
            prose("[docs]: https://evil.example\n\nsee [docs]", 3),
            "\\[docs]: https://evil.example\n\nsee [docs]"
        );
        assert_eq!(
            prose("note[^1]\n\n[^1]: the note", 3),
            "note[^1]\n\n\\[^1]: the note"
        );
        assert_eq!(prose("> [a]: /x", 3), "> \\[a]: /x");
    }

    #[test]
    fn dashed_thematic_breaks_become_stars() {
        assert_eq!(prose("---\ntitle: x\n---", 3), "***\n##### title: x");
        assert_eq!(prose("a\n\n- - -\n\nb", 3), "a\n\n* * *\n\nb");
        assert_eq!(prose("***", 3), "***");
    }

    #[test]
    fn what_would_escape_is_detected() {
        assert!(stays_inside("text\n\n#### below", 3));
        assert!(!stays_inside("### a message heading", 3));
        assert!(!stays_inside("```\nopen", 3));
        assert!(!stays_inside("<!-- open", 3));
        assert!(stays_inside("<div>", 3));
    }
}
