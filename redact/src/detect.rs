//! The detectors: what each built-in looks for, and the checks that turn a regex match into a
//! redaction.
//!
//! A detector is a regex plus, optionally, the capture groups that hold the part to replace (any
//! group whose name starts with `secret`; the first one that took part in the match wins) and a
//! [`Check`] that can veto a candidate (placeholders, near-misses the regex cannot express).

use std::sync::LazyLock;

use regex::Regex;

/// Vetoes a candidate: gets the whole text and the byte range that would be replaced, and says
/// whether it really is a secret.
pub(crate) type Check = fn(text: &str, start: usize, end: usize) -> bool;

/// One compiled detector.
#[derive(Debug, Clone)]
pub(crate) struct Detector {
    /// The kind named in the placeholder and counted in reports.
    pub(crate) kind: String,
    regex: Regex,
    /// Indexes of the `secret*` capture groups; empty when the whole match is replaced.
    groups: Vec<usize>,
    check: Option<Check>,
}

impl Detector {
    /// Compiles `pattern` as a detector of `kind`.
    pub(crate) fn new(
        kind: impl Into<String>,
        pattern: &str,
        check: Option<Check>,
    ) -> Result<Detector, regex::Error> {
        let regex = Regex::new(pattern)?;
        Ok(Detector::from_regex(kind, regex, check))
    }

    /// A detector around an already compiled regex.
    pub(crate) fn from_regex(
        kind: impl Into<String>,
        regex: Regex,
        check: Option<Check>,
    ) -> Detector {
        let groups = regex
            .capture_names()
            .enumerate()
            .filter(|(_, name)| name.is_some_and(|name| name.starts_with("secret")))
            .map(|(index, _)| index)
            .collect();
        Detector {
            kind: kind.into(),
            regex,
            groups,
            check,
        }
    }

    /// The detector's regular expression, as written.
    pub(crate) fn pattern(&self) -> &str {
        self.regex.as_str()
    }

    /// The first candidate this detector accepts at or after byte `from`: the byte range to
    /// replace and the end of the whole match. Empty ranges are never returned.
    pub(crate) fn next(&self, text: &str, mut from: usize) -> Option<Candidate> {
        while from <= text.len() {
            let (start, end, match_end) = if self.groups.is_empty() {
                let found = self.regex.find_at(text, from)?;
                (found.start(), found.end(), found.end())
            } else {
                let captures = self.regex.captures_at(text, from)?;
                let whole = captures.get(0)?;
                match self.groups.iter().find_map(|&group| captures.get(group)) {
                    Some(secret) => (secret.start(), secret.end(), whole.end()),
                    None => (whole.end(), whole.end(), whole.end()),
                }
            };
            if start < end && self.check.is_none_or(|check| check(text, start, end)) {
                return Some(Candidate {
                    start,
                    end,
                    match_end,
                });
            }
            from = if match_end > from {
                match_end
            } else {
                next_char(text, from)
            };
        }
        None
    }
}

/// A region a detector would replace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    /// Where the region starts.
    pub(crate) start: usize,
    /// Where it ends.
    pub(crate) end: usize,
    /// Where the whole match ends (after the region, or at its end).
    pub(crate) match_end: usize,
}

/// The byte index after the character at `at` (or past the end).
pub(crate) fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map_or(at + 1, |c| at + c.len_utf8())
}

/// The kinds of the built-in detectors, in the order they run.
pub const BUILTIN_KINDS: &[&str] = &[
    "private-key",
    "aws-access-key",
    "aws-secret-key",
    "github-token",
    "gitlab-token",
    "slack-token",
    "anthropic-key",
    "openai-key",
    "jwt",
    "bearer-token",
    "url-password",
    "password-assignment",
];

/// Kind of the generic `key = value` detector, also used for secret-looking keys in JSON.
pub(crate) const ASSIGNMENT_KIND: &str = "password-assignment";

/// Key names whose values are secrets: `password`, `passwd`, `passphrase`, `secret`, `token`,
/// `api_key`, `secret_key`, `access_key`, `private_key`, `auth_key` (any case, `_` or `-` or
/// nothing before `key`). A key only has to *end* with one of them (`DB_PASSWORD`,
/// `github.token`, `X-Api-Key`).
const SECRET_KEY_NAMES: &str =
    r"(?:passw(?:or)?d|passphrase|secret|token|(?:api|secret|access|private|auth)[_-]?key)";

/// An optional quote closing a key, possibly JSON-escaped (`\"`).
const OPT_QUOTE: &str = r#"(?:\\?["'])?"#;

/// The assignment operator of shell, YAML, JSON, TOML, Go (`:=`) and Ruby/PHP (`=>`).
const ASSIGN: &str = r"[ \t]*(?::=|=>|=|:)[ \t]*";

/// Built-in detectors that recognise a secret by its own shape; they run before user patterns.
static SPECIFIC: LazyLock<Vec<Detector>> = LazyLock::new(|| {
    let detectors = [
        (
            "private-key",
            // A whole PEM/OpenSSH/PGP private key block. Without its END line (a truncated
            // tool output), everything that still looks like key material is taken.
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,.-]*)".to_owned(),
            None,
        ),
        (
            "aws-access-key",
            r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b".to_owned(),
            None,
        ),
        (
            "aws-secret-key",
            format!(
                r"(?i)secret[_-]?access[_-]?key{OPT_QUOTE}{ASSIGN}{OPT_QUOTE}(?P<secret>[A-Za-z0-9/+]{{40}})(?:[^A-Za-z0-9/+=]|$)"
            ),
            None,
        ),
        (
            "github-token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{82,})".to_owned(),
            None,
        ),
        ("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}".to_owned(), None),
        (
            "slack-token",
            r"\bxox[abprs]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+".to_owned(),
            None,
        ),
        ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_-]{20,}".to_owned(), None),
        (
            "openai-key",
            r"\bsk-[A-Za-z0-9_-]{20,}".to_owned(),
            Some(openai_key as Check),
        ),
        (
            "jwt",
            r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+".to_owned(),
            None,
        ),
    ];
    compile(detectors)
});

/// Built-in detectors that recognise a secret by what surrounds it; they run after user
/// patterns, so that a known token inside an assignment is named by its own kind.
static GENERIC: LazyLock<Vec<Detector>> = LazyLock::new(|| {
    let detectors = [
        (
            "bearer-token",
            r"(?i:\bbearer)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{16,})".to_owned(),
            None,
        ),
        (
            "url-password",
            r#"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@"'<>]*:(?P<secret>[^\s/?#"'<>]+)@[A-Za-z0-9\[_-]"#
                .to_owned(),
            Some(url_password as Check),
        ),
        (
            ASSIGNMENT_KIND,
            format!(
                r#"(?i){SECRET_KEY_NAMES}{OPT_QUOTE}{ASSIGN}(?:\\?"(?P<secret_dq>(?:[^"\\\r\n]|\\[^"\r\n])*)|'(?P<secret_sq>[^'\r\n]*)|(?P<secret>[^\s"'`,;&<>=][^\s"'`,;&<>]*))"#
            ),
            Some(assignment as Check),
        ),
    ];
    compile(detectors)
});

fn compile<const N: usize>(detectors: [(&str, String, Option<Check>); N]) -> Vec<Detector> {
    detectors
        .into_iter()
        .map(|(kind, pattern, check)| {
            Detector::new(kind, &pattern, check).expect("built-in detector patterns compile")
        })
        .collect()
}

/// The built-in detectors that run before user patterns.
pub(crate) fn specific() -> &'static [Detector] {
    &SPECIFIC
}

/// The built-in detectors that run after user patterns.
pub(crate) fn generic() -> &'static [Detector] {
    &GENERIC
}

/// `[REDACTED:<kind>]` placeholders already in a text: never redacted again.
pub(crate) static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[REDACTED:[A-Za-z0-9_.-]+\]").expect("the placeholder pattern compiles")
});

/// A JSON object key whose string value is a secret as a whole.
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("(?i){SECRET_KEY_NAMES}$")).expect("the secret key pattern compiles")
});

/// True when a JSON object key names a secret (`password`, `apiKey`, `GITHUB_TOKEN`, ...).
pub(crate) fn is_secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key)
}

/// Assignment values shorter than this many characters are left alone.
pub(crate) const MIN_ASSIGNMENT_CHARS: usize = 6;

/// Whole values that are placeholders or type names, not secrets (compared ignoring case).
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "password",
    "placeholder",
    "redacted",
    "secret",
    "token",
    // Type annotations: `password: string`, `token: Option<String>`.
    "string",
    "option",
    "optional",
    "boolean",
    "number",
    "undefined",
];

/// True when `value` is evidently not a secret: shorter than `min_chars`, a template
/// (`<your-password>`, `${DB_PASSWORD}`, `{{ token }}`, `$(cat file)`, `$TOKEN`), a mask
/// (`xxxxxx`, `******`), one of [`PLACEHOLDER_WORDS`], or code (`getpass()`, `os.environ[...]`).
pub(crate) fn is_placeholder(value: &str, min_chars: usize) -> bool {
    let value = value.trim();
    if value.is_empty() || value.chars().count() < min_chars {
        return true;
    }
    let template = (value.starts_with('<') && value.ends_with('>'))
        || value.starts_with("${")
        || value.starts_with("{{")
        || value.starts_with("$(")
        || value.strip_prefix('$').is_some_and(is_identifier);
    let mask = value
        .chars()
        .all(|c| matches!(c, 'x' | 'X' | '*' | '•' | '.' | '#' | '-' | '_'));
    let word = PLACEHOLDER_WORDS
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word));
    template || mask || word || is_code(value)
}

/// `name`, `NAME_2`: an environment variable or code identifier.
fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A call or an index: `getpass()`, `os.environ["X"]`, `input(`.
fn is_code(value: &str) -> bool {
    let Some(open) = value.find(['(', '[']) else {
        return false;
    };
    let callee = &value[..open];
    !callee.is_empty() && callee.split('.').all(is_identifier)
}

fn openai_key(text: &str, start: usize, end: usize) -> bool {
    let key = &text[start..end];
    // `sk-ant-` is Anthropic's; a key without a digit is a hyphenated word (`sk-learn-...`).
    !key.starts_with("sk-ant-") && key[3..].bytes().any(|b| b.is_ascii_digit())
}

fn url_password(text: &str, start: usize, end: usize) -> bool {
    !is_placeholder(&text[start..end], 1)
}

fn assignment(text: &str, start: usize, end: usize) -> bool {
    !is_placeholder(&text[start..end], MIN_ASSIGNMENT_CHARS)
}

/// True when a literal path found ending at byte `end` really ends there: the next character
/// cannot continue a file name, so `/home/al` is not found in `/home/alice`, nor `/home/alice`
/// in `/home/alice.bak`, but it is in `/home/alice.` at the end of a sentence and in
/// `/home/alice/src`. A region already taken (`is_taken_at`) right after the path, or after a
/// `.` that follows it, counts as an end: it will be a `[REDACTED:…]` placeholder, and deciding
/// as if it were one keeps a second redaction from finding the path the first one missed.
pub(crate) fn path_ends(text: &str, end: usize, is_taken_at: impl Fn(usize) -> bool) -> bool {
    let continues = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    if is_taken_at(end) {
        return true;
    }
    let mut rest = text[end..].chars();
    match rest.next() {
        None => true,
        Some('.') => is_taken_at(end + 1) || !rest.next().is_some_and(continues),
        Some(c) => !continues(c),
    }
}
