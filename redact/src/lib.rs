//! Secret redaction for checkpoints that are about to leave the machine.
//!
//! A chat session with a coding assistant collects secrets without anyone meaning it to: a tool
//! call prints `~/.aws/credentials`, a `.env` file is read into the context, a `curl` command
//! carries an `Authorization` header. `confab sessions export --redact` passes the checkpoint
//! through a [`Redactor`] *before* the file is written, so the secret never reaches the disk, a
//! git repository or a colleague's inbox; a file redacted after the fact has already leaked. Each
//! secret is replaced by a typed placeholder, `[REDACTED:aws-access-key]`, so a reader still sees
//! what was there, and the redacted checkpoint stays a valid checkpoint (only string contents
//! change). `import` uses [`Redactor::scan_checkpoint`] to warn, without refusing, about a
//! checkpoint that still holds secrets. The [`Report`] of either counts kinds, never contents.
//!
//! # What is covered
//!
//! [`Redactor::redact_checkpoint`] visits every string of a [`confab_core::Checkpoint`] that
//! is written out:
//!
//! - each message's `content`, `model`, `provider` and `tool_call_id`;
//! - each tool call's `id`, `name` and `arguments`: every string inside the JSON value,
//!   recursively, object keys included (a string under a secret-looking key such as
//!   `"password"` or `"api_key"`, or the `value` beside `"name": "DB_PASSWORD"`, is redacted
//!   whole, as a `password-assignment`);
//! - `session.metadata`: every key and string value, recursively, with the same key rules;
//! - `exported_by`, `session.name` (kept a valid name: `REDACTED-<kind>`), `provider`, `model`,
//!   `skill` and `project_path`;
//! - `context.project_instructions`, `context.files_accessed` and `context.working_directory`.
//!
//! Identifiers are scanned too because they are printed: a key in a tool call id or a metadata
//! key leaks as surely as one in a message. Only `version`, timestamps and numbers are left out.
//!
//! Text formats (Markdown, text) render the checkpoint through templates that can print more
//! than the checkpoint holds; [`Redactor::redact_output`] scans the rendered document as a whole,
//! after the checkpoint was redacted, so that every byte written is covered.
//!
//! # Detectors
//!
//! Detectors run in this order, those that know a secret by its own shape before those that
//! know it by what surrounds it; literal paths ([`Redactor::with_paths`]) run last:
//!
//! | kind | finds |
//! |------|-------|
//! | `private-key` | a whole `-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----` block (to the last key-like character when the END line is missing) |
//! | `aws-access-key` | `AKIA`, `ASIA`, `AGPA`, `AIDA`, `AROA`, `ANPA`, `ANVA`, `AIPA`, `ABIA`, `ACCA`, `A3T?` + 16 of `[A-Z0-9]`, as a whole word |
//! | `aws-secret-key` | the 40-character value of `aws_secret_access_key`, `secret_access_key`, `SecretAccessKey`, ... `=`/`:` |
//! | `aws-account-id` | the 12 digits of `aws_account_id = …` |
//! | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 or more alphanumerics; `github_pat_` + 82 or more `[A-Za-z0-9_]`; the token of `https://TOKEN:x-oauth-basic@` |
//! | `gitlab-token` | `glpat-`, `gldt-`, `glft-`, `glsoat-`, `glrt-`, `glcbt-` + 20 or more `[A-Za-z0-9_-]`; `GR1348941…` runner registration tokens |
//! | `slack-token` | `xoxa-`, `xoxb-`, `xoxe-`, `xoxo-`, `xoxp-`, `xoxr-`, `xoxs-`, `xapp-` + 10 or more `[A-Za-z0-9-]`; `https://hooks.slack.com/services/T…/B…/…` webhooks |
//! | `anthropic-key` | `sk-ant-` + 20 or more `[A-Za-z0-9_-]` |
//! | `openai-key` | `sk-` (so also `sk-proj-`, `sk-svcacct-`) + 20 or more `[A-Za-z0-9_-]` holding a digit, not `sk-ant-` |
//! | `google-api-key` | `AIza` + 35 of `[A-Za-z0-9_-]` |
//! | `stripe-key` | `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_` + 16 or more alphanumerics; `whsec_` webhook secrets |
//! | `npm-token` | `npm_` + 36 or more alphanumerics |
//! | `huggingface-token` | `hf_` + 30 or more alphanumerics |
//! | `sendgrid-key` | `SG.` + two dot-separated base64url parts |
//! | `azure-key` | the value of `AccountKey=` / `SharedAccessKey=` (connection strings); a SAS URL's `sig=` |
//! | `pypi-token`, `discord-token`, `telegram-token`, `twilio-key`, `mailchimp-key`, `square-token`, `shopify-token`, `groq-key`, `linear-key`, `notion-token`, `onepassword-token`, `grafana-token`, `vault-token`, `vercel-token`, `databricks-token`, `docker-token`, `figma-token`, `artifactory-token` | the token formats detect-secrets and secretlint know for these services (`pypi-AgE…`, `dckr_pat_…`, `hvs.…`, ...; see `detect.rs`) |
//! | `jwt` | `eyJ….eyJ….…`: three base64url segments, header and payload JSON objects |
//! | *user patterns* | see [`UserPattern`] |
//! | `bearer-token` | the token after `Bearer ` (16 or more of `[A-Za-z0-9._~+/=-]`); `Bearer ` is kept |
//! | `basic-auth` | the credentials of `Authorization: Basic …` (header, JSON or code); `Basic ` is kept |
//! | `cli-password` | the password of `curl -u user:password` / `--user`, of `mysql -pPASSWORD` (the mysql and mariadb tools), and a separate word after `--password` or `--token` |
//! | `netrc-password` | the password of a `.netrc` `machine … login … password …` entry |
//! | `url-password` | the password of `scheme://user:password@host`, to the last `@` before the host (so `@`, `/`, `?`, `#` inside it go too); scheme, user and host are kept |
//! | `password-assignment` | the value of `password=…`, `passwd: …`, `secret: …`, `api_key=…`, `token=…` (see below) |
//!
//! A region one detector takes is not looked at again by the next, so `api_key=sk-ant-…` is
//! one `anthropic-key`; a later match that runs into a taken region keeps only the piece before
//! it (`Bearer abc…-ghp_…` is a `bearer-token` then a `github-token`). Placeholders already in
//! the text are never redacted again, and a text is passed over until a pass finds nothing new,
//! so redacting twice gives the same text as redacting once.
//!
//! `password-assignment` matches a key *ending* in `password`, `passwd`, `pwd`, `passphrase`,
//! `secret`, `token`, `db_pass`, or one of `api`, `secret`, `access`, `private`, `auth`,
//! `account`, `client`, `service`, `db`, `encryption`, `signing`, `master` before `key`, also
//! with `_base` after it (`SECRET_KEY_BASE`) (any case; `_`, `-` or nothing before `key`;
//! optionally quoted, also JSON-escaped `\"`), then `=`, `:`, `:=` or `=>`, then a value:
//!
//! - quoted, `"…"` or `'…'`: the inside is replaced, quotes kept; a backslash escapes a quote
//!   (`"abc\"def"` is one value), also inside a JSON string in a JSON string (`\"abc\\\"d\"`);
//! - bare: up to white space, a quote or a control character, so a password holding `&`, `;`,
//!   `,`, `@`, `/`, `?` or `#` goes whole (`DB_PASSWORD=Tr0ub4dor&3horse`); it ends before
//!   `&name=`, `;name=` or `,name=` where a list of parameters goes on (`?access_token=…&state=…`,
//!   `Password=…;Database=…`), and a `,` or `;` or an unopened bracket at its end is not part of
//!   it;
//! - on the next line, when the key's line ends after the operator: the indented line that
//!   follows (YAML, INI continuation lines), or for a YAML block scalar (`key: |`, `key: >-`)
//!   every line indented at least as far; a nested mapping (`secret:` then `  name: x`), a list
//!   and a comment are not values.
//!
//! A value is left alone when it is evidently not a secret:
//!
//! - shorter than 6 characters;
//! - a template: `<your-password>`, `${DB_PASSWORD}`, `{{ token }}`, `$(cat file)`, `$TOKEN`;
//! - a stand-in: `your-token-here`, `YOUR_API_KEY`, anything ending in `_here`;
//! - a mask made only of `x`, `X`, `*`, `•`, `.`, `#`, `-`, `_` (`xxxxxxxx`, `******`);
//! - one of the words `changeme`, `password`, `placeholder`, `redacted`, `secret`, `token`, or
//!   the type names `string`, `option`, `optional`, `boolean`, `number`, `undefined`;
//! - code: a call or an index such as `getpass()` or `os.environ["TOKEN"]`;
//! - the name of another secret (`token: GITHUB_TOKEN`): an upper-case name that is itself a
//!   secret key name, so the key name is never redacted in place of a value;
//! - a working directory: a path after a key ending in `pwd` (`PWD=/home/alice`).
//!
//! `url-password`, `cli-password` (but for `--password VALUE`), `basic-auth` and
//! `netrc-password` skip the same templates, masks and words, at any length.
//!
//! # Limits
//!
//! Detection is by regular expressions, so it finds what it has a rule for. A secret in an
//! unknown format, with no telling key before it (a bare 40-character AWS secret, a password
//! mentioned in prose), or split across messages is *not* found: the
//! redaction lowers the risk of sharing a session but does not replace reading it. The generic
//! rules lean the other way: an assignment that might hold a secret is redacted even when it
//! turns out to be harmless (`token: expired`, `password = new_password`), because a false
//! positive costs a reader a word and a leak cannot be taken back. The kind names a detector,
//! not a verified credential. The one entropy rule (`high-entropy`, as detect-secrets has)
//! takes only quoted strings of mixed case and digits with the entropy of random data, and
//! never a hex string: git SHAs, UUIDs and sha256 sums, which sessions are full of, stay (see
//! BENCHMARKS.md for the comparison).

mod detect;
mod report;
mod values;
mod walk;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeMap;

use regex::Regex;

pub use crate::detect::BUILTIN_KINDS;
use crate::detect::{Detector, PLACEHOLDER};
pub use crate::report::Report;

/// A detector the user adds in `confab.yaml`: secrets matching `regex` are replaced by
/// `[REDACTED:<name>]`.
///
/// When the regex has a capture group named `secret` (or several, `secret_a`, `secret_b`, ...:
/// the first that took part; a match in which none took part is replaced whole), only that group is replaced
/// (`token-for=(?P<secret>\w+)` keeps `token-for=`); otherwise the whole match is. User patterns
/// run after the built-in detectors of known token formats and before the generic ones
/// (`bearer-token`, `url-password`, `password-assignment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPattern {
    /// The kind: a name of letters, digits, `_`, `.` and `-`.
    pub name: String,
    /// The regular expression, in the syntax of the `regex` crate.
    pub regex: String,
}

impl UserPattern {
    /// A pattern named `name`.
    pub fn new(name: impl Into<String>, regex: impl Into<String>) -> UserPattern {
        UserPattern {
            name: name.into(),
            regex: regex.into(),
        }
    }
}

/// Why a [`Redactor`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedactError {
    /// A user pattern's regex does not compile, or matches empty text.
    #[error("redaction pattern `{name}` is not usable: {error}")]
    InvalidPattern {
        /// The pattern's name.
        name: String,
        /// What is wrong with its regex.
        error: String,
    },
    /// A user pattern's name cannot be used in a `[REDACTED:<name>]` placeholder.
    #[error(
        "redaction pattern name `{name}` is not usable: use letters, digits, `_`, `.` and `-` only"
    )]
    InvalidName {
        /// The name.
        name: String,
    },
}

/// Finds and replaces secrets. Built once (its regexes compiled), then used for any number of
/// texts and checkpoints, from any thread.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Literal path detectors, longest path first; they run after everything else.
    paths: Vec<Detector>,
    /// The paths behind `paths`, to rebuild them when more are added.
    path_list: Vec<(String, &'static str)>,
    /// Built-ins and user patterns, in the order they run.
    rules: Vec<Detector>,
    /// Every rule's regex in one automaton: most texts hold no secret, and one pass that says so
    /// is far cheaper than running each rule (measured: import of a 105 MiB checkpoint spent
    /// 2 to 3 s scanning before this, which had no secret to find).
    prefilter: regex::RegexSet,
}

/// A text after [`Redactor::redact_output`]: the text to write and what was replaced in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted<'t> {
    /// The redacted text; borrowed when nothing was replaced.
    pub text: Cow<'t, str>,
    /// What was replaced, by kind.
    pub report: Report,
}

/// The most passes [`Redactor::redact_text`] makes over one text.
const MAX_PASSES: usize = 8;

/// One region to replace.
struct Span<'r> {
    start: usize,
    end: usize,
    kind: &'r str,
}

impl Redactor {
    /// The built-in detectors plus `user_patterns`.
    pub fn new(user_patterns: &[UserPattern]) -> Result<Redactor, RedactError> {
        let mut rules = detect::specific().to_vec();
        for pattern in user_patterns {
            rules.push(user_detector(pattern)?);
        }
        rules.extend_from_slice(detect::generic());
        let prefilter = regex::RegexSetBuilder::new(rules.iter().map(Detector::pattern))
            .size_limit(64 << 20)
            .build()
            .map_err(|error| RedactError::InvalidPattern {
                name: "(all patterns together)".to_owned(),
                error: error.to_string(),
            })?;
        Ok(Redactor {
            paths: Vec::new(),
            path_list: Vec::new(),
            rules,
            prefilter,
        })
    }

    /// Also replaces each literal path by `[REDACTED:<kind>]` (for `--redact-paths`; kinds such
    /// as `home-dir` and `project-path`, made of `[a-z0-9-]`).
    ///
    /// Paths are replaced after secrets (a path inside a redacted secret is gone already), longer
    /// paths first, so a project inside the home directory becomes a `project-path`; a path only
    /// matches where its last name ends (`/home/al` is not found in `/home/alice`). Trailing separators are ignored; empty and root paths (`/`, `C:\`) are
    /// skipped, since they would match everywhere. A path with backslashes is also found in its
    /// JSON-escaped spelling (`C:\\Users\\alice`).
    pub fn with_paths(mut self, paths: &[(String, &'static str)]) -> Redactor {
        for (path, kind) in paths {
            let trimmed = path.trim_end_matches(['/', '\\']);
            let is_root = trimmed.is_empty()
                || (trimmed.len() == 2 && trimmed.ends_with(':'))
                || trimmed == "~";
            if !is_root && !self.path_list.iter().any(|(known, _)| known == trimmed) {
                self.path_list.push((trimmed.to_owned(), kind));
            }
        }
        // Stable: of two paths of one length, the first given wins.
        self.path_list
            .sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        self.paths = self
            .path_list
            .iter()
            .map(|(path, kind)| {
                let mut pattern = regex::escape(path);
                if path.contains('\\') {
                    pattern = format!("{}|{pattern}", regex::escape(&path.replace('\\', "\\\\")));
                }
                let regex = Regex::new(&pattern).expect("an escaped literal compiles");
                Detector::from_regex(*kind, regex, None)
            })
            .collect();
        self
    }

    /// The final-output scan: redacts a whole rendered document (a Markdown or text export, or
    /// anything else about to be written) and says what it took out.
    ///
    /// Text formats render the checkpoint through templates, and a template can print what was
    /// never in the checkpoint: a partial reading `/proc/self/environ`, an instructions file, a
    /// helper's output. Redacting the checkpoint first and then the rendered bytes covers both;
    /// placeholders from the first pass are left alone, so the second reports only what is new.
    /// The document is scanned as one text, so a secret split over lines by the template (a
    /// private key block, a YAML value on the next line) is still found whole.
    pub fn redact_output<'t>(&self, rendered: &'t str) -> Redacted<'t> {
        let mut report = Report::new();
        let text = self.redact_text(rendered, &mut report);
        Redacted { text, report }
    }

    /// Replaces every secret in `text` by its placeholder and counts it in `report`. Borrows
    /// `text` back when there is nothing to replace.
    pub fn redact_text<'t>(&self, text: &'t str, report: &mut Report) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        // Replacing can make a new match appear (a URL whose `/` went with a secret now reaches
        // an `@`), so passes repeat until one finds nothing: redacting the result again then
        // changes nothing. Each pass that replaces something shrinks the text outside
        // placeholders, so this ends; the cap only bounds the work on hostile input.
        for _ in 0..MAX_PASSES {
            let spans = self.spans(&text);
            if spans.is_empty() {
                break;
            }
            text = Cow::Owned(replace(&text, &spans, report));
        }
        text
    }

    /// Every region of `text` to replace, left to right, none overlapping another or a
    /// placeholder already there.
    ///
    /// A candidate that runs into a region already taken (an earlier detector's, or a
    /// placeholder) keeps the piece before it when that piece has a letter or digit:
    /// `Bearer abc…xyz-ghp_…` loses `abc…xyz-` as a `bearer-token` and the rest as a
    /// `github-token`; dropping the whole candidate would leak `abc…xyz-`. A candidate that starts
    /// inside a taken region is dropped (`api_key=sk-ant-…` is one `anthropic-key`). Either way
    /// the detector searches on from where the kept piece ends, so a match hidden inside the
    /// dropped part (`password=<url>token=…`) is still found in this pass, not the next.
    fn spans<'r>(&'r self, text: &str) -> Vec<Span<'r>> {
        if self.paths.is_empty() && !self.prefilter.is_match(text) {
            return Vec::new();
        }
        let mut taken = Taken::default();
        for found in PLACEHOLDER.find_iter(text) {
            taken.insert(found.start(), found.end());
        }
        let mut spans = Vec::new();
        let detectors = self.rules.iter().map(|detector| (detector, false));
        let paths = self.paths.iter().map(|detector| (detector, true));
        for (detector, is_path) in detectors.chain(paths) {
            let mut from = 0;
            while let Some(candidate) = detector.next(text, from) {
                let (start, end) = (candidate.start, candidate.end);
                if is_path && !detect::path_ends(text, end, |at| taken.starts_at(at)) {
                    from = candidate.match_end;
                    continue;
                }
                let kept_end = match taken.first_overlap(start, end) {
                    None => Some(end),
                    Some(s) if s > start && text[start..s].chars().any(char::is_alphanumeric) => {
                        Some(s)
                    }
                    Some(_) => None,
                };
                from = match kept_end {
                    Some(kept_end) => {
                        taken.insert(start, kept_end);
                        spans.push(Span {
                            start,
                            end: kept_end,
                            kind: &detector.kind,
                        });
                        if kept_end == end {
                            candidate.match_end
                        } else {
                            kept_end
                        }
                    }
                    None => detect::next_char(text, start),
                };
            }
        }
        spans.sort_by_key(|span| span.start);
        spans
    }
}

/// The regions of a text already taken: disjoint, keyed by start.
#[derive(Default)]
struct Taken(BTreeMap<usize, usize>);

impl Taken {
    /// Takes `start..end`, which overlaps no region taken before.
    fn insert(&mut self, start: usize, end: usize) {
        self.0.insert(start, end);
    }

    /// True when a taken region starts at `at`.
    fn starts_at(&self, at: usize) -> bool {
        self.0.contains_key(&at)
    }

    /// The start of the first taken region that overlaps `start..end`, if any.
    fn first_overlap(&self, start: usize, end: usize) -> Option<usize> {
        // The regions are disjoint, so the one starting last at or before `start` is the only
        // one that can cover `start`; otherwise the first starting after it is the candidate.
        if let Some((&s, &e)) = self.0.range(..=start).next_back()
            && e > start
        {
            return Some(s);
        }
        self.0
            .range(start + 1..)
            .next()
            .map(|(&s, _)| s)
            .filter(|&s| s < end)
    }
}

/// `text` with each span replaced by `[REDACTED:<kind>]`, each counted in `report`.
fn replace(text: &str, spans: &[Span<'_>], report: &mut Report) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str("[REDACTED:");
        out.push_str(span.kind);
        out.push(']');
        report.add(span.kind, 1);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

fn user_detector(pattern: &UserPattern) -> Result<Detector, RedactError> {
    let name_ok = !pattern.name.is_empty()
        && pattern
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !name_ok {
        return Err(RedactError::InvalidName {
            name: pattern.name.clone(),
        });
    }
    let invalid = |error: String| RedactError::InvalidPattern {
        name: pattern.name.clone(),
        error,
    };
    let regex = Regex::new(&pattern.regex)
        .map_err(|error| invalid(format!("invalid regular expression: {error}")))?;
    if regex.is_match("") {
        return Err(invalid(
            "it matches empty text; a pattern must match at least one character".to_owned(),
        ));
    }
    Ok(Detector::from_regex(pattern.name.clone(), regex, None))
}
