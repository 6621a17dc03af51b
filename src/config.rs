//! Project settings: `confab.yaml` at the project root, then `CONFAB_*` environment variables.
//!
//! Every key, its variable and its default:
//!
//! | `confab.yaml`        | environment                 | default                 |
//! |----------------------|-----------------------------|-------------------------|
//! | `sessions.path`      | `CONFAB_SESSIONS_PATH`      | `.confab/sessions.db`   |
//! | `sessions.retention` | `CONFAB_SESSIONS_RETENTION` | `30d`                   |
//! | `context.instructions` | `CONFAB_CONTEXT_INSTRUCTIONS` | first of `CONFAB.md`, `ATMOS.md`, `AGENTS.md`, `CLAUDE.md` |
//! | `templates.default`  | `CONFAB_TEMPLATES_DEFAULT`  | the built-in report template |
//!
//! Relative paths are relative to the project root. Unknown keys are errors, so a typo does not
//! silently leave a default in force.

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use crate::age::Age;
use crate::error::CliError;

/// The settings file's name, at the project root.
pub(crate) const CONFIG_FILE: &str = "confab.yaml";

/// All settings, after the file and the environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Config {
    /// Where the session store is (`sessions.path`), as written.
    pub(crate) sessions_path: Option<Utf8PathBuf>,
    /// Default age for `clean` (`sessions.retention`).
    pub(crate) retention: Option<Age>,
    /// The project instructions file for `export --context` (`context.instructions`).
    pub(crate) instructions: Option<Utf8PathBuf>,
    /// The report template used when `--template` is not given (`templates.default`).
    pub(crate) default_template: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    sessions: SessionsSection,
    #[serde(default)]
    context: ContextSection,
    #[serde(default)]
    templates: TemplatesSection,
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
    retention: Option<String>,
}

impl Config {
    /// Reads `confab.yaml` under `root` (if any), then applies the environment.
    pub(crate) fn load(root: &Utf8Path) -> Result<Config, CliError> {
        let path = root.join(CONFIG_FILE);
        let file = match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => ConfigFile::default(),
            Ok(text) => serde_saphyr::from_str::<ConfigFile>(&text).map_err(|error| {
                let at = error
                    .location()
                    .map(|location| format!(":{}:{}", location.line(), location.column()))
                    .unwrap_or_default();
                let message = error.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
                CliError::failure(format!("invalid settings in {path}{at}: {message}"))
                    .hint("the keys are sessions.path, sessions.retention, context.instructions and templates.default; see the README")
            })?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(error) => {
                return Err(CliError::failure(format!(
                    "could not read {path}: {}",
                    crate::input::io_reason(&error)
                )));
            }
        };
        let mut config = Config {
            sessions_path: file.sessions.path,
            retention: None,
            instructions: file.context.instructions,
            default_template: file.templates.default,
        };
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
        Ok(config)
    }
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
