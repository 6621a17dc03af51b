//! Project settings: `confab.yaml` at the project root, then `CONFAB_*` environment variables.
//!
//! Every key, its variable and its default:
//!
//! | `confab.yaml`        | environment                 | default                 |
//! |----------------------|-----------------------------|-------------------------|
//! | `sessions.store`     | `CONFAB_STORE` (or `--store`) | `.confab/sessions.db`: a `postgres://` URL or a file |
//! | `sessions.path`      | `CONFAB_SESSIONS_PATH`      | `.confab/sessions.db`: the older spelling of a file store |
//! | `sessions.retention` | `CONFAB_SESSIONS_RETENTION` | `30d`                   |
//! | `retention.keep`     | `CONFAB_RETENTION_KEEP`     | `0`: `clean` keeps the N most recent sessions whatever their age |
//! | `retention.trash`    | `CONFAB_RETENTION_TRASH`    | `30d`: how long the trash keeps a session (`0d`: not at all) |
//! | `context.instructions` | `CONFAB_CONTEXT_INSTRUCTIONS` | first of `CONFAB.md`, `ATMOS.md`, `AGENTS.md`, `CLAUDE.md` |
//! | `templates.default`  | `CONFAB_TEMPLATES_DEFAULT`  | the built-in report template |
//! | `import.max_size`    | `CONFAB_IMPORT_MAX_SIZE`    | `256MiB` (bytes, or with `KB`, `MB`, `GB` or `KiB`, `MiB`, `GiB`) |
//! | `redact`             | `CONFAB_REDACT`             | `false`: export redacts secrets as with `--redact` |
//! | `redact_patterns`    | (none)                      | none: `[{name, regex}]`, secrets of your own      |
//! | `default_provider`   | `CONFAB_DEFAULT_PROVIDER`   | `openai`: the provider of new chats |
//! | `providers.<name>`   | (none)                      | built-ins `openai`, `anthropic`, `google`, `ollama`: `{api, base_url, model, api_key_env, max_tokens, timeout}` |
//! | `chat.history`       | `CONFAB_CHAT_HISTORY`       | `true`: the prompt keeps `.confab/chat-history` |
//! | `chat.max_answer_size` | (none)                    | `64MiB`: the most bytes of one answer |
//! | `chat.max_duration`  | (none)                      | `3600`: the most seconds one request may take |
//! | `user.name`          | `CONFAB_USER`               | git's `user.name`, else the OS user: `exported_by` |
//!
//! API keys are never settings: `providers.<name>.api_key_env` names the environment variable
//! that holds one, so `confab.yaml` can be committed.
//!
//! Files that settings (and flags) name for export, `templates.default` and
//! `context.instructions`, must be regular files inside the project or the user's own config
//! folder ([`trusted_file`]): `confab.yaml` may come with a cloned repository.
//!
//! Relative paths are relative to the project root. Unknown keys are errors, so a typo does not
//! silently leave a default in force.

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use crate::age::Age;
use crate::error::CliError;

/// The settings file's name, at the project root.
pub(crate) const CONFIG_FILE: &str = "confab.yaml";

/// All settings, after the file and the environment.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Where the session store is (`sessions.path`), as written.
    pub(crate) sessions_path: Option<Utf8PathBuf>,
    /// The session store, a `postgres://` URL or a file (`sessions.store`), as written.
    pub(crate) sessions_store: Option<String>,
    /// Default age for `clean` (`sessions.retention`).
    pub(crate) retention: Option<Age>,
    /// How many of the most recent sessions `clean` keeps whatever their age (`retention.keep`).
    pub(crate) retention_keep: Option<usize>,
    /// How long the trash keeps a session (`retention.trash`).
    pub(crate) trash_retention: Option<Age>,
    /// The project instructions file for `export --context` (`context.instructions`).
    pub(crate) instructions: Option<Utf8PathBuf>,
    /// The report template used when `--template` is not given (`templates.default`).
    pub(crate) default_template: Option<String>,
    /// The largest file `import` and `validate` read (`import.max_size`).
    pub(crate) max_import_size: u64,
    /// Whether export redacts secrets by default (`redact`).
    pub(crate) redact: bool,
    /// The project's own secret patterns (`redact_patterns`).
    pub(crate) redact_patterns: Vec<confab_redact::UserPattern>,
    /// The provider of new chats (`default_provider`).
    pub(crate) default_provider: Option<String>,
    /// Provider settings by name (`providers`), over the built-in ones.
    pub(crate) providers: BTreeMap<String, ProviderSettings>,
    /// `confab chat`'s own settings (`chat`).
    pub(crate) chat: ChatSettings,
    /// Who exports, as `exported_by` says (`user.name`).
    pub(crate) user_name: Option<String>,
}

/// One provider's settings in `confab.yaml`; every key optional, over the built-in values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderSettings {
    /// The wire protocol: `openai` (also Ollama, llama.cpp, vLLM, LM Studio) or `anthropic`.
    pub(crate) api: Option<String>,
    /// Where the server is.
    pub(crate) base_url: Option<String>,
    /// The model of new chats.
    pub(crate) model: Option<String>,
    /// The environment variable holding the API key.
    pub(crate) api_key_env: Option<String>,
    /// The most tokens an answer may have.
    pub(crate) max_tokens: Option<u32>,
    /// Seconds to wait for the server (to answer, and between pieces of a streamed answer).
    pub(crate) timeout: Option<u64>,
}

/// The default of `import.max_size`: far above any real checkpoint, far below a machine's memory.
pub(crate) const DEFAULT_MAX_IMPORT_SIZE: u64 = 256 << 20;

impl Default for Config {
    fn default() -> Config {
        Config {
            sessions_path: None,
            sessions_store: None,
            retention: None,
            retention_keep: None,
            trash_retention: None,
            instructions: None,
            default_template: None,
            max_import_size: DEFAULT_MAX_IMPORT_SIZE,
            redact: false,
            redact_patterns: Vec::new(),
            default_provider: None,
            providers: BTreeMap::new(),
            chat: ChatSettings::default(),
            user_name: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    sessions: SessionsSection,
    #[serde(default)]
    retention: RetentionSection,
    #[serde(default)]
    context: ContextSection,
    #[serde(default)]
    templates: TemplatesSection,
    #[serde(default)]
    import: ImportSection,
    #[serde(default)]
    redact: bool,
    #[serde(default)]
    redact_patterns: Vec<PatternEntry>,
    default_provider: Option<String>,
    #[serde(default)]
    providers: BTreeMap<String, ProviderSettings>,
    #[serde(default)]
    chat: ChatSection,
    #[serde(default)]
    user: UserSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionSection {
    keep: Option<usize>,
    trash: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSection {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    name: String,
    regex: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportSection {
    max_size: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplatesSection {
    default: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSection {
    instructions: Option<Utf8PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionsSection {
    path: Option<Utf8PathBuf>,
    store: Option<String>,
    retention: Option<String>,
}

impl Config {
    /// Reads `confab.yaml` under `root` (if any), then applies the environment.
    pub(crate) fn load(root: &Utf8Path) -> Result<Config, CliError> {
        let path = root.join(CONFIG_FILE);
        let file = match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => ConfigFile::default(),
            Ok(text) => confab_format_yaml::deserialize::<ConfigFile>(&text).map_err(|error| {
                let at = error
                    .location
                    .map(|location| format!(":{location}"))
                    .unwrap_or_default();
                CliError::failure(format!("invalid settings in {path}{at}: {}", error.message))
                    .hint("the keys are sessions.store, sessions.path, sessions.retention, retention.keep, retention.trash, context.instructions, templates.default, import.max_size, redact, redact_patterns, default_provider, providers.<name>.{api, base_url, model, api_key_env, max_tokens, timeout}, chat.{history, max_answer_size, max_duration} and user.name; see the README")
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(error) => {
                return Err(CliError::failure(format!(
                    "could not read {path}: {}",
                    crate::input::io_reason(&error)
                )));
            }
        };
        if file.sessions.store.is_some() && file.sessions.path.is_some() {
            return Err(CliError::failure(format!(
                "invalid settings in {path}: sessions.store and sessions.path both say where the store is"
            ))
            .hint("keep sessions.store (a postgres:// URL or a file) and remove sessions.path"));
        }
        let mut config = Config {
            sessions_path: file.sessions.path,
            sessions_store: file.sessions.store,
            retention: None,
            retention_keep: file.retention.keep,
            trash_retention: None,
            instructions: file.context.instructions,
            default_template: file.templates.default,
            max_import_size: DEFAULT_MAX_IMPORT_SIZE,
            redact: file.redact,
            redact_patterns: file
                .redact_patterns
                .into_iter()
                .map(|entry| confab_redact::UserPattern::new(entry.name, entry.regex))
                .collect(),
            default_provider: file.default_provider,
            providers: file.providers,
            chat: ChatSettings::load(file.chat, &path)?,
            user_name: file.user.name.filter(|name| !name.trim().is_empty()),
        };
        if let Some(value) = env("CONFAB_DEFAULT_PROVIDER")? {
            config.default_provider = Some(value);
        }
        if let Some(value) = env("CONFAB_REDACT")? {
            config.redact = match value.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(CliError::failure(format!(
                        "CONFAB_REDACT: invalid value {value:?}: use true or false"
                    )));
                }
            };
        }
        if let Some(size) = file.import.max_size {
            config.max_import_size = parse_size(&size, &format!("import.max_size in {path}"))?;
        }
        if let Some(value) = env("CONFAB_IMPORT_MAX_SIZE")? {
            config.max_import_size = parse_size(&value, "CONFAB_IMPORT_MAX_SIZE")?;
        }
        if let Some(retention) = file.sessions.retention {
            config.retention = Some(parse_age(
                &retention,
                &format!("sessions.retention in {path}"),
            )?);
        }
        if let Some(value) = env("CONFAB_SESSIONS_PATH")? {
            config.sessions_path = Some(Utf8PathBuf::from(value));
        }
        if let Some(value) = env("CONFAB_CONTEXT_INSTRUCTIONS")? {
            config.instructions = Some(Utf8PathBuf::from(value));
        }
        if let Some(value) = env("CONFAB_TEMPLATES_DEFAULT")? {
            config.default_template = Some(value);
        }
        if let Some(value) = env("CONFAB_SESSIONS_RETENTION")? {
            config.retention = Some(parse_age(&value, "CONFAB_SESSIONS_RETENTION")?);
        }
        if let Some(trash) = file.retention.trash {
            config.trash_retention =
                Some(parse_age(&trash, &format!("retention.trash in {path}"))?);
        }
        if let Some(value) = env("CONFAB_RETENTION_TRASH")? {
            config.trash_retention = Some(parse_age(&value, "CONFAB_RETENTION_TRASH")?);
        }
        if let Some(value) = env("CONFAB_RETENTION_KEEP")? {
            config.retention_keep = Some(value.parse().map_err(|_| {
                CliError::failure(format!(
                    "CONFAB_RETENTION_KEEP: invalid value {value:?}: write a whole number of sessions, e.g. 10"
                ))
            })?);
        }
        Ok(config)
    }
}

/// `chat` in `confab.yaml`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChatSection {
    history: Option<bool>,
    max_answer_size: Option<String>,
    max_duration: Option<u64>,
}

/// `confab chat`'s settings: whether the prompt keeps a history, and the bounds of one answer
/// (`None`: the chat engine's defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChatSettings {
    /// Whether the interactive prompt keeps `.confab/chat-history` (`chat.history`).
    pub(crate) history: bool,
    /// The most bytes of one answer (`chat.max_answer_size`).
    pub(crate) max_answer_size: Option<u64>,
    /// The most seconds one request may take, answer included (`chat.max_duration`).
    pub(crate) max_duration: Option<u64>,
}

impl Default for ChatSettings {
    fn default() -> ChatSettings {
        ChatSettings {
            history: true,
            max_answer_size: None,
            max_duration: None,
        }
    }
}

impl ChatSettings {
    fn load(section: ChatSection, path: &Utf8Path) -> Result<ChatSettings, CliError> {
        let mut history = section.history.unwrap_or(true);
        if let Some(value) = env("CONFAB_CHAT_HISTORY")? {
            history = match value.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(CliError::failure(format!(
                        "CONFAB_CHAT_HISTORY: invalid value {value:?}: use true or false"
                    )));
                }
            };
        }
        let max_answer_size = section
            .max_answer_size
            .map(|size| parse_size(&size, &format!("chat.max_answer_size in {path}")))
            .transpose()?;
        Ok(ChatSettings {
            history,
            max_answer_size,
            max_duration: section.max_duration,
        })
    }
}

/// `1048576`, `512KiB`, `256MiB`, `1GiB`, `1MB` (spaces allowed before the unit).
///
/// `KB`, `MB` and `GB` are the SI units (1000, 1000², 1000³), `KiB`, `MiB` and `GiB` the binary
/// ones (1024, 1024², 1024³), as `ls --si`, disk makers and the IEC define them. Units are read
/// without regard to case (`1mb`, `1kB`), since nobody means millibits here.
fn parse_size(text: &str, source: &str) -> Result<u64, CliError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| multiplier > 0)
        .and_then(|amount| amount.checked_mul(multiplier))
        .ok_or_else(|| {
            CliError::failure(format!(
                "{source}: invalid size {text:?}: write a whole number of bytes, or one with a unit: KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 256MiB"
            ))
        })
}

fn parse_age(text: &str, source: &str) -> Result<Age, CliError> {
    text.parse()
        .map_err(|error| CliError::failure(format!("{source}: {error}")))
}

/// A set, non-empty, UTF-8 environment variable.
fn env(name: &str) -> Result<Option<String>, CliError> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(CliError::failure(format!("{name} is not valid UTF-8")))
        }
    }
}

/// The user's own confab folder: `$XDG_CONFIG_HOME/confab`, else `~/.config/confab`. Templates
/// kept there serve every project.
pub(crate) fn user_config_dir() -> Option<Utf8PathBuf> {
    let base = match std::env::var("XDG_CONFIG_HOME") {
        Ok(dir) if Utf8Path::new(&dir).is_absolute() => Utf8PathBuf::from(dir),
        _ => Utf8PathBuf::from(std::env::var("HOME").ok().filter(|home| !home.is_empty())?)
            .join(".config"),
    };
    Some(base.join("confab"))
}

/// `path` (a template or an instructions file that a flag or a setting named) with its symlinks
/// resolved, if it is a regular file inside the project `root` or the [`user_config_dir`].
///
/// These files end up in what export writes, and `confab.yaml` may come from a stranger (a cloned
/// repository): `templates.default: /etc/shadow`, or a template linked to `/proc/self/environ`,
/// would copy a secret into a report. `what` names the file in messages (`template`).
pub(crate) fn trusted_file(
    root: &Utf8Path,
    path: &Utf8Path,
    what: &str,
) -> Result<Utf8PathBuf, CliError> {
    let resolved = path.canonicalize_utf8().map_err(|error| {
        CliError::input(format!(
            "could not read the {what} {path}: {}",
            crate::input::io_reason(&error)
        ))
    })?;
    let places: Vec<Utf8PathBuf> = std::iter::once(root.to_owned())
        .chain(user_config_dir())
        .filter_map(|place| place.canonicalize_utf8().ok())
        .collect();
    if !places.iter().any(|place| resolved.starts_with(place)) {
        let shown = if resolved == path {
            String::new()
        } else {
            format!(" (it leads to {resolved})")
        };
        let config = user_config_dir().map_or_else(String::new, |dir| format!(" or in {dir}"));
        return Err(
            CliError::input(format!("the {what} {path} is outside the project{shown}")).hint(
                format!(
                    "a {what} must be a file inside the project ({root}){config}; copy it there"
                ),
            ),
        );
    }
    let metadata = std::fs::metadata(&resolved).map_err(|error| {
        CliError::input(format!(
            "could not read the {what} {path}: {}",
            crate::input::io_reason(&error)
        ))
    })?;
    if !metadata.is_file() {
        return Err(CliError::input(format!(
            "the {what} {path} is not a regular file"
        )));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_si_and_binary_units_in_any_case() {
        for (text, bytes) in [
            ("1048576", 1_048_576),
            ("12B", 12),
            ("1KB", 1_000),
            ("1kB", 1_000),
            ("1MB", 1_000_000),
            ("1mb", 1_000_000),
            ("2GB", 2_000_000_000),
            ("512KiB", 512 * 1024),
            ("256MiB", 256 << 20),
            ("256 mib", 256 << 20),
            ("1GiB", 1 << 30),
        ] {
            assert_eq!(parse_size(text, "test").expect(text), bytes, "{text}");
        }
        for bad in [
            "",
            "MB",
            "1.5MB",
            "-1MB",
            "1TB",
            "1 M",
            "99999999999999999999GB",
        ] {
            let error = parse_size(bad, "CONFAB_IMPORT_MAX_SIZE").expect_err(bad);
            assert!(
                error.message().contains("KB, MB, GB") && error.message().contains("KiB, MiB, GiB"),
                "{bad}: {}",
                error.message()
            );
        }
    }
}
