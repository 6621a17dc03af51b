//! `confab info`: where this project's store is and what confab sees around it.
//!
//! "Where is my store?" had no answer: a store is found by walking up from the current folder
//! ([`crate::project`]), and a settings file or a variable can move it. This command says what
//! that walk found and why, the store's path and size, the settings that were read in the order
//! they apply (later wins), and the formats and chat providers this confab has: the first thing
//! to run when something is not where it was expected, and to paste into a bug report.

use std::io::Write;

use camino::Utf8PathBuf;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::config::CONFIG_FILE;
use crate::error::CliError;
use crate::input::format_size;
use crate::output::{stdout, write_json};
use crate::project::Project;
use crate::store::StoreLocation;

/// Arguments of `confab info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// How to print: lines for people, or a JSON document for tools.
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    format: InfoFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InfoFormat {
    /// Lines for people.
    Text,
    /// One JSON document.
    Json,
}

/// What `confab info` reports; also its JSON document.
#[derive(Debug, Serialize)]
struct Info {
    version: &'static str,
    project_root: Utf8PathBuf,
    /// Why that folder is the root.
    root_found_by: &'static str,
    store: StoreInfo,
    /// The settings read, in the order they apply: a later one wins.
    settings: Vec<Setting>,
    formats: Vec<FormatInfo>,
    providers: Vec<ProviderInfo>,
}

#[derive(Debug, Serialize)]
struct StoreInfo {
    /// `sqlite` or `postgres`.
    kind: &'static str,
    /// The file, or the URL without user and password.
    path: String,
    /// What chose the store: `--store`, `CONFAB_STORE`, the settings or the default.
    chosen_by: &'static str,
    /// Whether the file exists, or the database answers.
    exists: bool,
    /// The store's file with its `-wal` and `-shm` beside it (`null` for a database).
    bytes: Option<u64>,
    sessions: Option<usize>,
    /// Why a database could not be reached.
    error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
enum Setting {
    /// A settings file.
    File { path: Utf8PathBuf },
    /// An environment variable (its name; values may be secrets and are never shown).
    Environment { name: String },
}

#[derive(Debug, Serialize)]
struct FormatInfo {
    name: String,
    import: bool,
    export: bool,
}

#[derive(Debug, Serialize)]
struct ProviderInfo {
    name: String,
    /// `built-in`, `confab.yaml`, or `built-in, confab.yaml` when the file adjusts a built-in.
    from: String,
}

pub(crate) fn run(args: &InfoArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let info = gather(&project)?;
    let mut out = stdout();
    match args.format {
        InfoFormat::Json => write_json(&mut out, &info)?,
        InfoFormat::Text => write_text(&mut out, &info)?,
    }
    out.flush()?;
    Ok(())
}

fn gather(project: &Project) -> Result<Info, CliError> {
    let (location, source) = project.store_with_source()?;
    let store = match &location {
        StoreLocation::File(path) => {
            let bytes = ["", "-wal", "-shm"]
                .iter()
                .filter_map(|suffix| std::fs::metadata(format!("{path}{suffix}")).ok())
                .map(|metadata| metadata.len())
                .sum();
            let sessions = location
                .open_read_only()
                .ok()
                .flatten()
                .and_then(|store| confab_core::SessionStore::list(&store).ok())
                .map(|sessions| sessions.len());
            StoreInfo {
                kind: "sqlite",
                path: path.to_string(),
                chosen_by: source.describe(),
                exists: path.is_file(),
                bytes: Some(bytes),
                sessions,
                error: None,
            }
        }
        StoreLocation::Postgres(_) => {
            let listed = location.open_read_only().and_then(|store| match store {
                Some(store) => Ok(confab_core::SessionStore::list(&store)?.len()),
                None => Ok(0),
            });
            StoreInfo {
                kind: "postgres",
                path: location.to_string(),
                chosen_by: source.describe(),
                exists: listed.is_ok(),
                bytes: None,
                sessions: listed.as_ref().ok().copied(),
                error: listed.err().map(|error| error.message()),
            }
        }
    };
    let mut settings = Vec::new();
    let config_file = project.root.join(CONFIG_FILE);
    if config_file.is_file() {
        settings.push(Setting::File { path: config_file });
    }
    let mut variables: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("CONFAB_"))
        .collect();
    variables.sort();
    settings.extend(
        variables
            .into_iter()
            .map(|name| Setting::Environment { name }),
    );
    let formats = confab_core::formats()
        .iter()
        .map(|format| FormatInfo {
            name: format.name().to_owned(),
            import: format.decoder().is_some(),
            export: format.encoder().is_some(),
        })
        .collect();
    let mut providers: Vec<ProviderInfo> = confab_chat::ProviderSpec::BUILTIN
        .iter()
        .map(|name| ProviderInfo {
            name: (*name).to_owned(),
            from: match project.config.providers.contains_key(*name) {
                true => "built-in, confab.yaml".to_owned(),
                false => "built-in".to_owned(),
            },
        })
        .collect();
    for name in project.config.providers.keys() {
        if !confab_chat::ProviderSpec::BUILTIN.contains(&name.as_str()) {
            providers.push(ProviderInfo {
                name: name.clone(),
                from: CONFIG_FILE.to_owned(),
            });
        }
    }
    providers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Info {
        version: env!("CARGO_PKG_VERSION"),
        project_root: project.root.clone(),
        root_found_by: project.found_by.describe(),
        store,
        settings,
        formats,
        providers,
    })
}

fn write_text(out: &mut dyn Write, info: &Info) -> std::io::Result<()> {
    writeln!(out, "confab {}", info.version)?;
    writeln!(
        out,
        "project root  {} ({})",
        info.project_root, info.root_found_by
    )?;
    let store = &info.store;
    let sessions = match store.sessions {
        Some(1) => ", 1 session".to_owned(),
        Some(count) => format!(", {count} sessions"),
        None => String::new(),
    };
    match (store.kind, store.bytes) {
        ("postgres", _) => match &store.error {
            None => writeln!(
                out,
                "store         {} (PostgreSQL{sessions}; chosen by {})",
                store.path, store.chosen_by
            )?,
            Some(error) => writeln!(
                out,
                "store         {} (PostgreSQL, not reachable: {error})",
                store.path
            )?,
        },
        (_, Some(bytes)) if store.exists => writeln!(
            out,
            "store         {} ({}{sessions})",
            store.path,
            format_size_rounded(bytes)
        )?,
        _ => writeln!(
            out,
            "store         {} (not created yet: the first import or chat creates it)",
            store.path
        )?,
    }
    let settings: Vec<String> = info
        .settings
        .iter()
        .map(|setting| match setting {
            Setting::File { path } => path.to_string(),
            Setting::Environment { name } => name.clone(),
        })
        .collect();
    if settings.is_empty() {
        writeln!(
            out,
            "settings      none (defaults; {CONFIG_FILE} at the root would be read)"
        )?;
    } else {
        writeln!(
            out,
            "settings      {} (later wins)",
            settings.join(", then ")
        )?;
    }
    let formats: Vec<String> = info
        .formats
        .iter()
        .map(|format| {
            let can = match (format.import, format.export) {
                (true, true) => "import, export",
                (true, false) => "import",
                (false, true) => "export",
                (false, false) => "-",
            };
            format!("{} ({can})", format.name)
        })
        .collect();
    writeln!(out, "formats       {}", formats.join(", "))?;
    let providers: Vec<String> = info
        .providers
        .iter()
        .map(|provider| format!("{} ({})", provider.name, provider.from))
        .collect();
    writeln!(out, "providers     {}", providers.join(", "))
}

/// A size for people: exact units when it divides ([`format_size`]), else one decimal.
pub(crate) fn format_size_rounded(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format_size(bytes);
            }
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format_size(bytes)
}
