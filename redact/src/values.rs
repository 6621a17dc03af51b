//! What counts as a secret value, and where a value ends: the [`Refine`](crate::detect::Refine)
//! functions of the built-in detectors.
//!
//! A regex finds a candidate; these functions decide what the regex cannot say. Is the value a
//! placeholder (`<your-password>`, `${TOKEN}`, `xxxx`) or a reference (`DB_PASSWORD`), so leaving
//! it costs nothing? Where does a bare value end, when a password may hold `&` and `;` but a
//! query string uses them between parameters? Which lines belong to a YAML block scalar? They
//! err on the side of taking too much: a few characters of harmless text lost cost a reader
//! less than a piece of a password printed.

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

/// Words that follow a `--password` or `--token` flag in prose ("pass the --token argument").
const FLAG_PROSE_WORDS: &[&str] = &["argument", "parameter", "option", "value", "variable"];

/// True when `value` is evidently not a secret: shorter than `min_chars`, a template
/// (`<your-password>`, `${DB_PASSWORD}`, `{{ token }}`, `$(cat file)`, `$TOKEN`), a stand-in
/// (`your-token-here`, `YOUR_API_KEY`), a mask (`xxxxxx`, `******`), one of
/// [`PLACEHOLDER_WORDS`], or code (`getpass()`, `os.environ[...]`).
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
    let lower = value.to_ascii_lowercase();
    let stand_in = lower.starts_with("your_")
        || lower.starts_with("your-")
        || lower.ends_with("_here")
        || lower.ends_with("-here");
    let mask = value
        .chars()
        .all(|c| matches!(c, 'x' | 'X' | '*' | '•' | '.' | '#' | '-' | '_'));
    let word = PLACEHOLDER_WORDS
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word));
    template || stand_in || mask || word || is_code(value)
}

/// True when `value` names a secret instead of holding one: an environment variable's name such
/// as `GITHUB_TOKEN` or `DB_PASSWORD` (upper case, and itself a secret key name), as in
/// `token: GITHUB_TOKEN` or `password_from: DB_PASSWORD`. Redacting it would hide the key name
/// and tell a reader nothing.
fn is_reference(value: &str) -> bool {
    value.contains('_')
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && crate::detect::is_secret_key(value)
}

/// True when a value of the JSON key `key` is a secret (the key is known to name one).
pub(crate) fn is_secret_value(key: &str, value: &str) -> bool {
    !is_placeholder(value, MIN_ASSIGNMENT_CHARS)
        && !is_reference(value)
        && !is_working_directory(key, value)
}

/// `PWD=/home/alice/src` is the shell's working directory, not a password.
fn is_working_directory(key: &str, value: &str) -> bool {
    key.to_ascii_lowercase().ends_with("pwd") && (value.starts_with('/') || value.starts_with('~'))
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

/// The key an assignment value at `start` belongs to: the run of key characters before the
/// operator and quotes (`DB_PASSWORD` in `DB_PASSWORD="…"`).
fn key_before(text: &str, start: usize) -> &str {
    let before = text[..start].trim_end_matches([' ', '\t', '\r', '\n', '"', '\'', '\\']);
    let before = before.trim_end_matches([':', '=', '>', '|', '+', '-', ' ', '\t']);
    let before = before.trim_end_matches(['"', '\'', '\\']);
    let key_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |at| at + 1);
    &before[key_start..]
}

pub(crate) fn openai_key(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let key = &text[start..end];
    // `sk-ant-` is Anthropic's; a key without a digit is a hyphenated word (`sk-learn-...`).
    (!key.starts_with("sk-ant-") && key[3..].bytes().any(|b| b.is_ascii_digit()))
        .then_some((start, end))
}

pub(crate) fn url_password(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    (!is_placeholder(&text[start..end], 1)).then_some((start, end))
}

/// Any value with no minimum length that is not a placeholder.
pub(crate) fn generic_value(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    (!is_placeholder(&text[start..end], 1)).then_some((start, end))
}

/// The credentials after `Authorization: Basic`: base64, so not a word of prose
/// (`Authorization: Basic authentication`): eight characters or more, and not only lower-case
/// letters after a first letter.
pub(crate) fn basic_credentials(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let value = &text[start..end];
    let word = value.chars().skip(1).all(|c| c.is_ascii_lowercase());
    (value.len() >= 8 && !word && !is_placeholder(value, 1)).then_some((start, end))
}

/// `curl -u user:pw`, `mysql -ppw` and `--password pw`: the first two know the value by its
/// place and take any length; a separate word after a flag must look like a secret (six
/// characters or more, not a word of prose such as `argument`). `-u 1000:1000` is a user and
/// group id (`docker run -u`), not a password.
pub(crate) fn cli_password(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let value = &text[start..end];
    let before = text[..start].trim_end_matches(['\'', '"']);
    if let Some(user) = before.strip_suffix(':') {
        let user_start = user
            .rfind(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '='))
            .map_or(0, |at| at + 1);
        let user = &user[user_start..];
        let ids = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        // `redis://:pw@host` after `-u` is a URL: `url-password` takes it.
        if (ids(user) && ids(value)) || value.starts_with("//") || is_placeholder(value, 1) {
            return None;
        }
        return Some((start, end));
    }
    if before.ends_with("-p") {
        return (!is_placeholder(value, 1)).then_some((start, end));
    }
    let prose = FLAG_PROSE_WORDS
        .iter()
        .any(|word| value.eq_ignore_ascii_case(word));
    (!prose && !is_placeholder(value, MIN_ASSIGNMENT_CHARS) && !is_reference(value))
        .then_some((start, end))
}

/// The `key = value` detector: which of its value spellings matched decides how the value ends.
pub(crate) fn assignment(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let key = key_before(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let on_next_line = text[line_start..start].trim().is_empty() && line_start > 0;
    let (start, end) = if on_next_line {
        next_line_value(text, start, end)?
    } else {
        let opened_by = text[..start].chars().next_back();
        if matches!(opened_by, Some('"' | '\'')) {
            (start, end)
        } else {
            (start, bare_value(text, start, end))
        }
    };
    let value = &text[start..end];
    (!is_placeholder(value, MIN_ASSIGNMENT_CHARS)
        && !is_reference(value)
        && !is_working_directory(key, value))
    .then_some((start, end))
}

/// Where a bare value (`DB_PASSWORD=Tr0ub4dor&3horse`) really ends. It may hold `&`, `;` and
/// `,`, except where one of them starts another parameter: `access_token=abc&state=xyz` ends
/// before `&state=`, as does `Password=abc;Database=shop` before `;Database=`. A `,` or `;`
/// that closes it (`{password: hunter2hunter2, user: x}`) and a closing bracket it did not open
/// (`login(password=hunter2hunter2)`) are not part of it either.
pub(crate) fn bare_value(text: &str, start: usize, end: usize) -> usize {
    let value = &text[start..end];
    let mut cut = value.len();
    for (at, c) in value.char_indices() {
        if matches!(c, '&' | ';' | ',') && starts_parameter(&value[at + 1..]) {
            cut = at;
            break;
        }
    }
    let mut value = &value[..cut];
    loop {
        let trimmed = match value.chars().next_back() {
            Some(',' | ';') => &value[..value.len() - 1],
            Some(close @ (')' | ']' | '}')) => {
                let open = match close {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if value.matches(open).count() < value.matches(close).count() {
                    &value[..value.len() - 1]
                } else {
                    value
                }
            }
            _ => value,
        };
        if trimmed.len() == value.len() {
            break;
        }
        value = trimmed;
    }
    start + value.len()
}

/// True when `rest` starts with `name=` (a query or connection-string parameter) or ` name=`.
fn starts_parameter(rest: &str) -> bool {
    let rest = rest.trim_start_matches(' ');
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']')))
        .unwrap_or(rest.len());
    name_len > 0
        && rest[..name_len]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && rest[name_len..].starts_with('=')
}

/// A value on the line after its key (`password:` then an indented `hunter2`): the whole line,
/// or inside its quotes, or for a YAML block scalar (`password: |`) every following line
/// indented at least as far. A nested mapping (`secret:` then `name: db-creds`), a list item
/// and a comment are not values.
pub(crate) fn next_line_value(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let line = text[start..end].trim_end();
    let end = start + line.len();
    let first = line.chars().next()?;
    let key_line = text[..start].trim_end_matches([' ', '\t', '\n', '\r']);
    let block = key_line
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
        .ends_with(['|', '>']);
    if !block {
        if matches!(first, '-' | '[' | '{' | '#' | ';') || is_mapping_entry(line) {
            return None;
        }
        if matches!(first, '"' | '\'') {
            let inner = &line[1..];
            let close = inner.rfind(first).unwrap_or(inner.len());
            return Some((start + 1, start + 1 + close));
        }
        return Some((start, end));
    }
    let line_start = text[..start].rfind('\n').map_or(0, |at| at + 1);
    let indent = start - line_start;
    let Some(newline) = text[end..].find('\n') else {
        return Some((start, end));
    };
    let mut block_end = end;
    let mut at = end + newline + 1;
    for next in text[at..].split_inclusive('\n') {
        let content = next.trim_end();
        if !content.trim().is_empty() {
            let next_indent = content.len() - content.trim_start_matches([' ', '\t']).len();
            if next_indent < indent {
                break;
            }
            block_end = at + content.len();
        }
        at += next.len();
    }
    Some((start, block_end))
}

/// `name: value` or `name = value`: a key of a nested mapping, not a scalar.
fn is_mapping_entry(line: &str) -> bool {
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '"' | '\'')))
        .unwrap_or(line.len());
    if name_len == 0 {
        return false;
    }
    let rest = line[name_len..].trim_start_matches([' ', '\t']);
    rest == ":" || rest.starts_with(": ") || rest.starts_with(":\t") || rest.starts_with('=')
}

/// Least Shannon entropy, in bits per character, of a quoted random-looking string taken as a
/// secret: detect-secrets' limit for base64 strings. A string needs at least 23 distinct
/// characters to reach it, so words, names and short ids never do.
const MIN_ENTROPY_BITS: f64 = 4.5;

/// Refines the `high-entropy` detector: a quoted string of letters, digits and base64 signs
/// with upper case, lower case and digits mixed and an entropy of random data. Hex strings
/// (git SHAs, sha256 sums, UUIDs) are refused whatever their entropy: sessions are full of
/// them, and a key in hex has a key name or prefix that another rule knows.
pub(crate) fn high_entropy(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let value = &text[start..end];
    if value.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return None;
    }
    let has = |test: fn(&u8) -> bool| value.as_bytes().iter().any(test);
    if !(has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit)) {
        return None;
    }
    if is_placeholder(value, 0) || shannon_entropy(value) < MIN_ENTROPY_BITS {
        return None;
    }
    Some((start, end))
}

/// Bits per character of `text`'s byte distribution.
fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0_u32; 256];
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
    }
    let length = text.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let share = f64::from(count) / length;
            -share * share.log2()
        })
        .sum()
}
