//! Code highlighting: a small lexical highlighter, on the server side, with CSS classes.
//!
//! # Why not syntect
//!
//! syntect (Sublime Text grammars) highlights more languages and more precisely, and its
//! `default-fancy` feature is pure Rust. It was weighed and left out, for three reasons:
//!
//! - **Hostile input.** Sessions hold text nobody vetted. syntect's grammars are regular
//!   expressions run by `fancy-regex`, a backtracking engine: a crafted code block can make a
//!   grammar's pattern take exponential time, so rendering a page would be a denial of service
//!   waiting for its input. The highlighter below looks at each character a bounded number of
//!   times: linear, whatever the input.
//! - **Size.** The default syntax and theme sets are a few megabytes of compressed dumps in
//!   the binary (a release `confab` is a few megabytes in all), plus `fancy-regex`, `bincode`,
//!   `flate2` and `onig`-free regex machinery to compile, on a CI of two cores.
//! - **What a transcript needs.** Code in AI sessions is mostly shell, JSON, YAML, Python, Rust,
//!   JavaScript/TypeScript, Go, SQL and diffs. Telling comments, strings, numbers and keywords
//!   apart is most of the value of colour in a review; the rest of the precision is rarely
//!   looked at.
//!
//! Tokens become `<span class="hl-c">` (comment), `hl-s` (string), `hl-n` (number), `hl-k`
//! (keyword), `hl-add` and `hl-del` (diff lines); the page's stylesheet colours them for light
//! and dark. A language it does not know is shown plain. Every piece of text goes through
//! [`escape`](crate::escape::escape), so a code block is as inert as any other text.

use crate::escape::{push_escaped, visible_controls};

/// What the highlighter knows about a language.
struct Language {
    keywords: &'static [&'static str],
    /// Line comment starters.
    line_comments: &'static [&'static str],
    /// Whether `/* ... */` is a comment.
    block_comments: bool,
    /// The characters that open (and close) a string.
    quotes: &'static [char],
    /// Whether keywords match whatever their case (SQL).
    any_case: bool,
}

const RUST: Language = Language {
    keywords: &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
        "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true",
        "type", "unsafe", "use", "where", "while", "Some", "None", "Ok", "Err",
    ],
    line_comments: &["//"],
    block_comments: true,
    quotes: &['"'],
    any_case: false,
};

const PYTHON: Language = Language {
    keywords: &[
        "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "False", "finally", "for", "from", "global", "if", "import",
        "in", "is", "lambda", "None", "nonlocal", "not", "or", "pass", "raise", "return", "True",
        "try", "while", "with", "yield",
    ],
    line_comments: &["#"],
    block_comments: false,
    quotes: &['"', '\''],
    any_case: false,
};

const SHELL: Language = Language {
    keywords: &[
        "case", "cd", "do", "done", "echo", "elif", "else", "esac", "exit", "export", "fi", "for",
        "function", "if", "in", "local", "return", "set", "sudo", "then", "until", "while",
    ],
    line_comments: &["#"],
    block_comments: false,
    quotes: &['"', '\''],
    any_case: false,
};

const JAVASCRIPT: Language = Language {
    keywords: &[
        "async",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "from",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "return",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "type",
        "typeof",
        "undefined",
        "var",
        "void",
        "while",
        "yield",
    ],
    line_comments: &["//"],
    block_comments: true,
    quotes: &['"', '\'', '`'],
    any_case: false,
};

const GO: Language = Language {
    keywords: &[
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "false",
        "for",
        "func",
        "go",
        "if",
        "import",
        "interface",
        "map",
        "nil",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "true",
        "type",
        "var",
    ],
    line_comments: &["//"],
    block_comments: true,
    quotes: &['"', '`', '\''],
    any_case: false,
};

const C_LIKE: Language = Language {
    keywords: &[
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "else",
        "enum",
        "extends",
        "false",
        "final",
        "for",
        "fun",
        "if",
        "import",
        "include",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "struct",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typedef",
        "val",
        "var",
        "void",
        "while",
    ],
    line_comments: &["//"],
    block_comments: true,
    quotes: &['"', '\''],
    any_case: false,
};

const DATA: Language = Language {
    keywords: &["true", "false", "null", "yes", "no", "on", "off"],
    line_comments: &["#"],
    block_comments: false,
    quotes: &['"', '\''],
    any_case: false,
};

const JSON: Language = Language {
    keywords: &["true", "false", "null"],
    line_comments: &[],
    block_comments: false,
    quotes: &['"'],
    any_case: false,
};

const SQL: Language = Language {
    keywords: &[
        "and", "as", "by", "create", "delete", "desc", "distinct", "drop", "from", "group",
        "having", "in", "index", "inner", "insert", "into", "is", "join", "left", "limit", "not",
        "null", "on", "or", "order", "outer", "right", "select", "set", "table", "union", "update",
        "values", "where", "with",
    ],
    line_comments: &["--"],
    block_comments: true,
    quotes: &['\''],
    any_case: true,
};

/// The language an info string (` ```rust `) names, if the highlighter knows it.
fn language(name: &str) -> Option<&'static Language> {
    Some(match name.to_ascii_lowercase().as_str() {
        "rust" | "rs" => &RUST,
        "python" | "py" | "python3" => &PYTHON,
        "sh" | "bash" | "shell" | "zsh" | "console" | "shell-session" | "dockerfile" => &SHELL,
        "js" | "javascript" | "jsx" | "ts" | "typescript" | "tsx" | "mjs" => &JAVASCRIPT,
        "go" | "golang" => &GO,
        "c" | "h" | "cpp" | "c++" | "java" | "kotlin" | "kt" | "cs" | "csharp" | "swift" => &C_LIKE,
        "yaml" | "yml" | "toml" | "ini" | "hcl" | "terraform" | "tf" => &DATA,
        "json" | "jsonc" | "json5" => &JSON,
        "sql" | "postgresql" | "mysql" | "sqlite" => &SQL,
        _ => return None,
    })
}

/// A `<pre><code>` block of `code`, highlighted when `lang` names a language the highlighter
/// knows, escaped in any case.
pub fn code_block(lang: &str, code: &str) -> String {
    let code = visible_controls(code);
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '#' | '_'))
        .take(32)
        .collect();
    let mut out = String::with_capacity(code.len() + code.len() / 4 + 64);
    if lang.is_empty() {
        out.push_str("<pre><code>");
    } else {
        out.push_str("<pre><code class=\"language-");
        out.push_str(&lang); // Only [A-Za-z0-9+#_-]: nothing to escape.
        out.push_str("\">");
    }
    if lang.eq_ignore_ascii_case("diff") || lang.eq_ignore_ascii_case("patch") {
        diff(&mut out, &code);
    } else if let Some(language) = language(&lang) {
        highlight(&mut out, language, &code);
    } else {
        push_escaped(&mut out, &code);
    }
    out.push_str("</code></pre>");
    out
}

fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    push_escaped(out, text);
    out.push_str("</span>");
}

/// Added and removed lines of a diff.
fn diff(out: &mut String, code: &str) {
    for line in code.split_inclusive('\n') {
        let class = if line.starts_with('+') && !line.starts_with("+++") {
            "hl-add"
        } else if line.starts_with('-') && !line.starts_with("---") {
            "hl-del"
        } else if line.starts_with("@@") {
            "hl-c"
        } else {
            push_escaped(out, line);
            continue;
        };
        let (text, newline) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        span(out, class, text);
        out.push_str(newline);
    }
}

/// `code` with its comments, strings, numbers and keywords in spans. One pass, each byte looked
/// at a bounded number of times.
fn highlight(out: &mut String, language: &Language, code: &str) {
    let bytes = code.as_bytes();
    let mut at = 0;
    let mut plain_from = 0;
    let flush = |out: &mut String, from: usize, to: usize| {
        if from < to {
            push_escaped(out, &code[from..to]);
        }
    };
    while at < bytes.len() {
        let rest = &code[at..];
        // Comments.
        let comment_end = if language
            .line_comments
            .iter()
            .any(|start| rest.starts_with(start))
        {
            Some(rest.find('\n').map_or(code.len(), |end| at + end))
        } else if language.block_comments && rest.starts_with("/*") {
            Some(
                rest[2..]
                    .find("*/")
                    .map_or(code.len(), |end| at + 2 + end + 2),
            )
        } else {
            None
        };
        if let Some(end) = comment_end {
            flush(out, plain_from, at);
            span(out, "hl-c", &code[at..end]);
            at = end;
            plain_from = at;
            continue;
        }
        let byte = bytes[at];
        // Strings, to the closing quote on the same line (an unclosed one ends with its line).
        if language.quotes.contains(&char::from(byte)) {
            let mut end = at + 1;
            while end < bytes.len() && bytes[end] != byte && bytes[end] != b'\n' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(bytes.len());
            // `end` may fall inside a multi-byte character after a backslash: step to a boundary.
            let end = (end..=bytes.len())
                .find(|at| code.is_char_boundary(*at))
                .unwrap_or(bytes.len());
            flush(out, plain_from, at);
            span(out, "hl-s", &code[at..end]);
            at = end;
            plain_from = at;
            continue;
        }
        // Words: keywords, and numbers.
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            let end = bytes[at..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'))
                .map_or(bytes.len(), |len| at + len);
            let word = &code[at..end];
            let before_is_word = at > 0 && {
                let previous = bytes[at - 1];
                previous.is_ascii_alphanumeric() || previous == b'_' || previous >= 0x80
            };
            let class = if before_is_word {
                None
            } else if byte.is_ascii_digit() {
                Some("hl-n")
            } else if language.keywords.iter().any(|keyword| {
                if language.any_case {
                    keyword.eq_ignore_ascii_case(word)
                } else {
                    *keyword == word
                }
            }) {
                Some("hl-k")
            } else {
                None
            };
            if let Some(class) = class {
                flush(out, plain_from, at);
                span(out, class, word);
                plain_from = end;
            }
            at = end;
            continue;
        }
        at += 1;
        while at < bytes.len() && !code.is_char_boundary(at) {
            at += 1;
        }
    }
    flush(out, plain_from, bytes.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_spans() {
        assert_eq!(
            code_block("rust", "let x = 1; // one\n"),
            "<pre><code class=\"language-rust\"><span class=\"hl-k\">let</span> x = \
             <span class=\"hl-n\">1</span>; <span class=\"hl-c\">// one</span>\n</code></pre>"
        );
        assert_eq!(
            code_block("json", r#"{"a": true}"#),
            "<pre><code class=\"language-json\">{<span class=\"hl-s\">&quot;a&quot;</span>: \
             <span class=\"hl-k\">true</span>}</code></pre>"
        );
        assert_eq!(
            code_block("SQL", "SELECT 1"),
            "<pre><code class=\"language-SQL\"><span class=\"hl-k\">SELECT</span> \
             <span class=\"hl-n\">1</span></code></pre>"
        );
        assert_eq!(
            code_block("diff", "-old\n+new\n ctx"),
            "<pre><code class=\"language-diff\"><span class=\"hl-del\">-old</span>\n\
             <span class=\"hl-add\">+new</span>\n ctx</code></pre>"
        );
    }

    #[test]
    fn hostile_code_stays_text() {
        let block = code_block("js", "\"</code></pre><script>alert(1)</script>");
        assert!(!block.contains("<script"), "{block}");
        assert!(block.contains("&lt;script&gt;"), "{block}");
        // An info string cannot carry markup into the class attribute.
        let block = code_block("x\"><script>", "a");
        assert_eq!(
            block,
            "<pre><code class=\"language-xscript\">a</code></pre>"
        );
        assert_eq!(
            code_block("", "<b>\u{202E}"),
            "<pre><code>&lt;b&gt;⟨U+202E⟩</code></pre>"
        );
    }

    #[test]
    fn unclosed_strings_comments_and_multibyte_text_end_cleanly() {
        for code in [
            "\"abc",
            "/* open",
            "'\\é'",
            "x = \"\\",
            "é1 ü_if",
            "\"\\\u{1F642}\"",
        ] {
            for lang in ["rust", "python", "js", "sql"] {
                let block = code_block(lang, code);
                assert!(block.ends_with("</code></pre>"), "{lang} {code}: {block}");
            }
        }
    }

    #[test]
    fn long_input_is_linear() {
        // A quote-and-backslash soup that a backtracking grammar could choke on.
        let code = "\"\\\"".repeat(200_000) + &"/*".repeat(100_000);
        let block = code_block("rust", &code);
        assert!(block.len() > code.len());
    }
}
