//! The detectors: what each built-in looks for, and the checks that turn a regex match into a
//! redaction.
//!
//! A detector is a regex plus, optionally, the capture groups that hold the part to replace (any
//! group whose name starts with `secret`; the first one that took part in the match wins) and a
//! [`Refine`] that can veto a candidate or move its ends (placeholders, near-misses and value
//! ends the regex cannot express: the `regex` crate has no look-around).
//!
//! Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b` makes the regex crate fall back to
//! its slowest engine on any non-ASCII text, and every token format here is ASCII anyway.

use std::sync::LazyLock;

use regex::Regex;

use crate::values;

/// Decides a candidate: gets the whole text and the byte range the regex would replace, and
/// returns the range that really is the secret (the same, or narrower, or longer), or `None`
/// when it is not a secret at all.
pub(crate) type Refine = fn(text: &str, start: usize, end: usize) -> Option<(usize, usize)>;

/// One compiled detector.
#[derive(Debug, Clone)]
pub(crate) struct Detector {
    /// The kind named in the placeholder and counted in reports.
    pub(crate) kind: String,
    regex: Regex,
    /// Indexes of the `secret*` capture groups; empty when the whole match is replaced.
    groups: Vec<usize>,
    refine: Option<Refine>,
}

impl Detector {
    /// Compiles `pattern` as a detector of `kind`.
    pub(crate) fn new(
        kind: impl Into<String>,
        pattern: &str,
        refine: Option<Refine>,
    ) -> Result<Detector, regex::Error> {
        let regex = Regex::new(pattern)?;
        Ok(Detector::from_regex(kind, regex, refine))
    }

    /// A detector around an already compiled regex.
    pub(crate) fn from_regex(
        kind: impl Into<String>,
        regex: Regex,
        refine: Option<Refine>,
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
            refine,
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
                    // An alternative without a `secret` group: the whole match.
                    None => (whole.start(), whole.end(), whole.end()),
                }
            };
            let decided = match self.refine {
                _ if start >= end => None,
                None => Some((start, end)),
                Some(refine) => refine(text, start, end),
            };
            if let Some((new_start, new_end)) = decided
                && new_start < new_end
            {
                // A value cut short (`access_token=…&refresh_token=…`) leaves the rest of the
                // match to be searched again; one made longer (a YAML block) is skipped whole.
                let match_end = if new_end < end {
                    new_end
                } else {
                    match_end.max(new_end)
                };
                return Some(Candidate {
                    start: new_start,
                    end: new_end,
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
    "aws-account-id",
    "github-token",
    "gitlab-token",
    "slack-token",
    "anthropic-key",
    "openai-key",
    "google-api-key",
    "stripe-key",
    "npm-token",
    "huggingface-token",
    "sendgrid-key",
    "azure-key",
    "pypi-token",
    "discord-token",
    "telegram-token",
    "twilio-key",
    "mailchimp-key",
    "square-token",
    "shopify-token",
    "groq-key",
    "linear-key",
    "notion-token",
    "onepassword-token",
    "grafana-token",
    "vault-token",
    "vercel-token",
    "databricks-token",
    "docker-token",
    "figma-token",
    "artifactory-token",
    "jwt",
    "bearer-token",
    "basic-auth",
    "cli-password",
    "netrc-password",
    "url-password",
    "password-assignment",
    "high-entropy",
];

/// Kind of the generic `key = value` detector, also used for secret-looking keys in JSON.
pub(crate) const ASSIGNMENT_KIND: &str = "password-assignment";

/// Key names whose values are secrets: `password`, `passwd`, `pwd`, `passphrase`, `secret`,
/// `token`, `db_pass`, `api_key`, `secret_key`, `access_key`, `private_key`, `auth_key`,
/// `account_key`, `client_key`, `service_key`, `db_key`, `encryption_key`, `signing_key`,
/// `master_key`, and any of the `…_key` ones followed by `_base` (`SECRET_KEY_BASE`), in any case,
/// with `_` or `-` or nothing before `key`. A key only has to *end* with one of them
/// (`DB_PASSWORD`, `github.token`, `X-Api-Key`). The list is detect-secrets' keyword list
/// (`db_pass`, `pwd`, `account_key`, ...) plus the ones confab had.
const SECRET_KEY_NAMES: &str = r"(?:passw(?:or)?d|passphrase|pwd|secret|token|(?:db|database|key|user)[_-]?pass|(?:api|secret|access|private|priv|auth|account|client|service|db|database|encryption|signing|master)[_-]?key(?:[_-]?base)?)";

/// An optional quote closing a key, possibly JSON-escaped (`\"`).
const OPT_QUOTE: &str = r#"(?:\\?["'])?"#;

/// The assignment operator of shell, YAML, JSON, TOML, Go (`:=`) and Ruby/PHP (`=>`).
const ASSIGN: &str = r"[ \t]*(?::=|=>|=|:)[ \t]*";

/// A value after an assignment operator, in one of five spellings, each its own `secret*` group:
///
/// - `secret_edq`: inside `\"…\"`, a JSON string inside a JSON string (a tool result holding
///   JSON): `\\\"` is an escaped quote and `\\\\` a backslash there, and `\"` ends the value;
/// - `secret_dq`, `secret_sq`: inside `"…"` or `'…'`, where a backslash escapes the next
///   character (`"abc\"def"` is one value);
/// - `secret`: a bare value (not starting with `|` or `>`, YAML block indicators), up to white
///   space, a quote or a control character; `&`, `;` and `,` are kept (`Tr0ub4dor&3horse`) and
///   [`crate::values::bare_value`] decides where a list of parameters (`&state=…`) really
///   starts;
/// - `secret_next`: nothing on the key's line, the value on the next, indented line (YAML,
///   INI continuation lines, YAML block scalars `|` and `>`).
const VALUE: &str = concat!(
    r#"(?:"#,
    r#"\\"(?P<secret_edq>(?:\\\\\\"|\\\\\\\\|\\\\[^\\"\r\n]|\\[^\\"\r\n]|[^"\\\r\n])*)"#,
    r#"|"(?P<secret_dq>(?:\\[^\r\n]|[^"\\\r\n])*)"#,
    r#"|'(?P<secret_sq>(?:\\[^\r\n]|[^'\\\r\n])*)"#,
    r#"|(?P<secret>[^\s\x00-\x1f"'`<>=&;,|][^\s\x00-\x1f"'`<>]*)"#,
    r#")"#,
);

/// The value of `key:` on the next, more indented line (after an optional YAML block
/// indicator); [`crate::values::next_line_value`] refuses nested mappings and lists.
const NEXT_LINE_VALUE: &str =
    r"[ \t]*[:=][ \t]*(?:[|>][0-9+-]*)?[ \t]*\r?\n[ \t]+(?P<secret_next>[^\s][^\r\n]*)";

/// Built-in detectors that recognise a secret by its own shape; they run before user patterns.
static SPECIFIC: LazyLock<Vec<Detector>> = LazyLock::new(|| {
    let detectors: Vec<(&str, String, Option<Refine>)> = vec![
        (
            "private-key",
            // A whole PEM/OpenSSH/PGP private key block. Without its END line (a truncated
            // tool output), everything that still looks like key material is taken.
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,.-]*)".to_owned(),
            None,
        ),
        (
            "aws-access-key",
            r"(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?-u:\b)"
                .to_owned(),
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
            "aws-account-id",
            format!(
                r"(?i)aws[_-]?account[_-]?id{OPT_QUOTE}{ASSIGN}{OPT_QUOTE}(?P<secret>[0-9]{{4}}-?[0-9]{{4}}-?[0-9]{{4}})(?-u:\b)"
            ),
            None,
        ),
        (
            "github-token",
            // Classic and fine-grained tokens, and an old 40-hex token given as the user of a
            // `https://TOKEN:x-oauth-basic@github.com/` URL.
            r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{82,})|://(?P<secret>[A-Za-z0-9_]{20,}):x-oauth-basic@".to_owned(),
            None,
        ),
        (
            "gitlab-token",
            r"(?-u:\b)(?:gl(?:pat|dt|ft|soat|rt|cbt)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})"
                .to_owned(),
            None,
        ),
        (
            "slack-token",
            r"(?-u:\b)(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+".to_owned(),
            None,
        ),
        ("anthropic-key", r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{20,}".to_owned(), None),
        (
            "openai-key",
            r"(?-u:\b)sk-[A-Za-z0-9_-]{20,}".to_owned(),
            Some(values::openai_key as Refine),
        ),
        ("google-api-key", r"(?-u:\b)AIza[0-9A-Za-z_-]{35}".to_owned(), None),
        (
            "stripe-key",
            r"(?-u:\b)(?:[sr]k_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z]{24,})".to_owned(),
            None,
        ),
        ("npm-token", r"(?-u:\b)npm_[A-Za-z0-9]{36,}".to_owned(), None),
        ("huggingface-token", r"(?-u:\b)hf_[A-Za-z0-9]{30,}".to_owned(), None),
        (
            "sendgrid-key",
            r"(?-u:\b)SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}".to_owned(),
            None,
        ),
        (
            "azure-key",
            // Storage and Service Bus connection strings, and a SAS URL's signature.
            r"(?i:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9+/]{20,}={0,2})|[?&]sig=(?P<secret_sig>[A-Za-z0-9%+/]{20,}={0,2})".to_owned(),
            None,
        ),
        (
            "pypi-token",
            r"(?-u:\b)pypi-AgE[A-Za-z0-9_-]{50,}".to_owned(),
            None,
        ),
        (
            "discord-token",
            r"(?-u:\b)[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}".to_owned(),
            None,
        ),
        (
            "telegram-token",
            r"(?-u:\b)[0-9]{8,10}:AA[A-Za-z0-9_-]{33}".to_owned(),
            None,
        ),
        (
            "twilio-key",
            r"(?-u:\b)(?:AC|SK)[0-9a-f]{32}(?-u:\b)".to_owned(),
            None,
        ),
        (
            "mailchimp-key",
            r"(?-u:\b)[0-9a-f]{32}-us[0-9]{1,2}(?-u:\b)".to_owned(),
            None,
        ),
        (
            "square-token",
            r"(?-u:\b)(?:sq0csp-[0-9A-Za-z_-]{43}|sq0atp-[0-9A-Za-z_-]{22}|EAAA[0-9A-Za-z_-]{60})"
                .to_owned(),
            None,
        ),
        (
            "shopify-token",
            r"(?-u:\b)shp(?:pa|ca|at|ss)_[A-Za-z0-9]{32,64}".to_owned(),
            None,
        ),
        ("groq-key", r"(?-u:\b)gsk_[A-Za-z0-9]{52}".to_owned(), None),
        ("linear-key", r"(?-u:\b)lin_api_[A-Za-z0-9_]{32,128}".to_owned(), None),
        ("notion-token", r"(?-u:\b)(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})(?-u:\b)".to_owned(), None),
        (
            "onepassword-token",
            r"(?-u:\b)ops_ey[A-Za-z0-9+/=]{100,}".to_owned(),
            None,
        ),
        (
            "grafana-token",
            r"(?-u:\b)(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})".to_owned(),
            None,
        ),
        (
            "vault-token",
            r"(?-u:\b)hv[sbr]\.[A-Za-z0-9_-]{90,}".to_owned(),
            None,
        ),
        (
            "vercel-token",
            r"(?-u:\b)vc[piark]_[A-Za-z0-9]{20,60}(?-u:\b)".to_owned(),
            None,
        ),
        (
            "databricks-token",
            r"(?-u:\b)dapi[0-9a-f]{32}(?:-[0-9])?(?-u:\b)".to_owned(),
            None,
        ),
        ("docker-token", r"(?-u:\b)dckr_pat_[A-Za-z0-9_-]{27,}".to_owned(), None),
        ("figma-token", r"(?-u:\b)figd_[A-Za-z0-9_-]{40,}".to_owned(), None),
        (
            "artifactory-token",
            r"(?-u:\b)AKCp[A-Za-z0-9]{50,}".to_owned(),
            None,
        ),
        (
            "jwt",
            r"(?-u:\b)eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+".to_owned(),
            None,
        ),
    ];
    compile(detectors)
});

/// Built-in detectors that recognise a secret by what surrounds it; they run after user
/// patterns, so that a known token inside an assignment is named by its own kind.
static GENERIC: LazyLock<Vec<Detector>> = LazyLock::new(|| {
    let detectors: Vec<(&str, String, Option<Refine>)> = vec![
        (
            "bearer-token",
            r"(?i:(?-u:\b)bearer)[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{16,})".to_owned(),
            None,
        ),
        (
            "basic-auth",
            // `Authorization: Basic <base64 of user:password>`, as a header, in JSON (also
            // escaped) or in code; `Basic ` is kept.
            r#"(?i:authorization)\\?["']?[ \t]*[:=][ \t]*\\?["']?[ \t]*(?i:basic)[ \t]+(?P<secret>[A-Za-z0-9+/_-]{4,}={0,2})"#
                .to_owned(),
            Some(values::basic_credentials as Refine),
        ),
        (
            "cli-password",
            // `curl -u user:password` (`--user`, also quoted), `mysql -pPASSWORD` (the mysql
            // tools only: `-p` means other things elsewhere) and `--password VALUE` /
            // `--token VALUE` given as a separate word.
            concat!(
                r#"(?:^|[\s;|&(])(?:-u[ \t]*|--user(?:[ \t]+|=))(?:'[^':\r\n]*:(?P<secret_usq>[^'\r\n]*)|"[^":\r\n]*:(?P<secret_udq>(?:\\[^\r\n]|[^"\\\r\n])*)|[^\s:"']*:(?P<secret_u>[^\s"']+))"#,
                r#"|(?-u:\b)(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlslap|mariadb|mariadb-dump|mariadb-admin)(?-u:\b)[^\r\n|;&]*?[ \t]-p(?:'(?P<secret_msq>[^'\r\n]*)|"(?P<secret_mdq>(?:\\[^\r\n]|[^"\\\r\n])*)|(?P<secret_m>[^\s"'][^\s"']*))"#,
                r#"|(?:^|\s)--?(?:password|passwd|token|api-key)[ \t]+(?:'(?P<secret_fsq>[^'\r\n]*)|"(?P<secret_fdq>(?:\\[^\r\n]|[^"\\\r\n])*)|(?P<secret_f>[^\s"'-][^\s"']*))"#,
            )
            .to_owned(),
            Some(values::cli_password as Refine),
        ),
        (
            "netrc-password",
            // `.netrc`: `machine HOST login USER password SECRET`, on one line or several (the
            // `login` is required: "machine learning password" is prose).
            r"(?-u:\b)machine\s+\S+(?:\s+(?:login|account)\s+\S+)+\s+password\s+(?P<secret>\S+)"
                .to_owned(),
            Some(values::generic_value as Refine),
        ),
        (
            "url-password",
            // The password runs to the last `@` before the host, so one holding `@`, `/`, `?`
            // or `#` goes whole (`postgres://app:p@ss/w0rd#1@db`).
            r#"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@"'<>]*:(?P<secret>[^\s"'<>]+)@[A-Za-z0-9\[_-]"#
                .to_owned(),
            Some(values::url_password as Refine),
        ),
        (
            ASSIGNMENT_KIND,
            // An environment list entry whose key name is data (Kubernetes, ECS, GitHub
            // Actions): `- name: DB_PASSWORD` then `value: …`, in YAML or JSON. The value is
            // the secret, not the name.
            format!(
                r#"(?i)(?-u:\b)(?:name|key){OPT_QUOTE}{ASSIGN}\\?["']?[A-Za-z0-9_.-]*{SECRET_KEY_NAMES}\\?["']?[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?\\?["']?value{OPT_QUOTE}{ASSIGN}{VALUE}"#
            ),
            Some(values::assignment as Refine),
        ),
        (
            ASSIGNMENT_KIND,
            format!(r"(?i){SECRET_KEY_NAMES}{OPT_QUOTE}(?:{ASSIGN}{VALUE}|{NEXT_LINE_VALUE})"),
            Some(values::assignment as Refine),
        ),
        (
            "high-entropy",
            // A random-looking string in quotes with no telling key or prefix (detect-secrets'
            // entropy rule); [`values::high_entropy`] spares hex hashes, UUIDs and words.
            r#"["'`](?P<secret>[A-Za-z0-9+/_=-]{24,128})["'`]"#.to_owned(),
            Some(values::high_entropy as Refine),
        ),
    ];
    compile(detectors)
});

fn compile(detectors: Vec<(&str, String, Option<Refine>)>) -> Vec<Detector> {
    detectors
        .into_iter()
        .map(|(kind, pattern, refine)| {
            Detector::new(kind, &pattern, refine).expect("built-in detector patterns compile")
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
