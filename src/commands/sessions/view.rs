//! `confab sessions view NAME`: a session's HTML page, opened in the browser.
//!
//! The page is the one `export --format html` writes (the built-in page template, or
//! `--template`), with the session's own metadata (its model changes) and without export
//! metadata. It is written to a new file in the OS temporary folder, named after the session
//! (`confab-incident-review-XXXXXX.html`), readable by its owner only (0600: a session is
//! private, and the temporary folder is shared), and left there for the browser to read after
//! confab has exited; the OS clears its temporary folder.
//!
//! The browser is `$BROWSER` when set (a command, `%s` standing for the file, else the file
//! appended; the first of a colon-separated list), else the platform's opener: `open` on
//! macOS, `start` on Windows, `xdg-open` elsewhere. `--print-path` only writes the page and
//! prints where it is, for a remote shell or a browser of one's choosing.
//!
//! With `redact: true` in confab.yaml (or `--redact`), the page is redacted as an export is:
//! the session before rendering, the page after.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{ArgAction, Args};
use confab_core::{EncodeOptions, ExportSettings, SessionStore};

use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::output::{data_stdout, stderr};
use crate::project::Project;

/// Arguments of `confab sessions view`.
#[derive(Debug, Args)]
pub(crate) struct ViewArgs {
    /// The session to view.
    name: String,

    /// Only write the page and print its path; open no browser.
    #[arg(long)]
    print_path: bool,

    /// A page template (`.html.hbs`) in place of the built-in page.
    #[arg(long, value_name = "FILE")]
    template: Option<Utf8PathBuf>,

    /// Replace secrets with `[REDACTED:<kind>]` in the page [default: `redact` in confab.yaml,
    /// else false].
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true")]
    redact: Option<bool>,
}

pub(crate) fn run(args: &ViewArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let store = project
        .open_store_read_only()?
        .ok_or_else(|| not_found(&args.name, &[]))?;
    let session = store.get(&args.name).map_err(|error| match error {
        confab_core::StoreError::NotFound { name } => not_found(&name, &existing_names(&store)),
        other => other.into(),
    })?;
    let metadata = session.metadata.clone();
    let settings = ExportSettings {
        metadata: None,
        context: None,
    };
    let mut checkpoint = session.into_checkpoint(&settings);
    checkpoint.session.metadata = metadata;

    let redactor = args
        .redact
        .unwrap_or(project.config.redact)
        .then(|| crate::redaction::redactor(&project, false))
        .transpose()?;
    let report = redactor
        .as_ref()
        .map(|redactor| redactor.redact_checkpoint(&mut checkpoint));

    if let Some(template) = &args.template {
        crate::config::trusted_file(&project.root, template, "template")?;
    }
    let mut options = EncodeOptions::new();
    options.template = args.template.clone();
    let mut page = Vec::new();
    confab_core::Encode::encode(
        &confab_format_html::FORMAT,
        &checkpoint,
        &options,
        &mut page,
    )
    .map_err(|error| CliError::failure("could not render the page").caused_by(error))?;
    if let Some(redactor) = &redactor {
        let (redacted, found) = crate::commands::sessions::export::redact_rendered(redactor, page)?;
        page = redacted;
        if let Some(mut report) = report {
            report.merge(&found);
            writeln!(stderr(), "redact: {report}")?;
        }
    }

    let path = write_page(&checkpoint.session.name, &page)?;
    if args.print_path {
        writeln!(data_stdout(), "{path}")?;
        return Ok(());
    }
    open(&path)?;
    writeln!(stderr(), "Opened {path}")?;
    Ok(())
}

/// Writes `page` to a new private file in the temporary folder, named after `session`.
fn write_page(session: &str, page: &[u8]) -> Result<Utf8PathBuf, CliError> {
    let fail = |error: std::io::Error| {
        CliError::failure("could not write the page to the temporary folder").caused_by(error)
    };
    // The name only helps a person tell the files apart: anything but a plain character goes.
    let stem: String = session
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    // tempfile creates the file with mode 0600 and a name nobody could have taken before.
    let mut file = tempfile::Builder::new()
        .prefix(&format!("confab-{stem}-"))
        .suffix(".html")
        .tempfile()
        .map_err(fail)?;
    file.write_all(page).map_err(fail)?;
    file.flush().map_err(fail)?;
    let (_, path) = file.keep().map_err(|error| fail(error.error))?;
    Utf8PathBuf::from_path_buf(path).map_err(|path| {
        CliError::failure(format!(
            "the temporary folder's path is not UTF-8: {}",
            path.display()
        ))
    })
}

/// Opens `path` in the browser: `$BROWSER`, else the platform's opener.
fn open(path: &Utf8Path) -> Result<(), CliError> {
    let (program, arguments) = opener(path);
    let status = std::process::Command::new(&program)
        .args(&arguments)
        .status()
        .map_err(|error| {
            CliError::failure(format!("could not run {program} to open the page"))
                .caused_by(error)
                .hint(format!(
                    "the page is at {path}; `--print-path` only writes it, or set BROWSER to \
                     the browser to use"
                ))
        })?;
    if !status.success() {
        return Err(
            CliError::failure(format!("{program} could not open the page ({status})")).hint(
                format!("the page is at {path}; set BROWSER to the browser to use"),
            ),
        );
    }
    Ok(())
}

/// The command that opens `path`.
fn opener(path: &Utf8Path) -> (String, Vec<String>) {
    let browser = std::env::var("BROWSER").unwrap_or_default();
    // `BROWSER` may list several commands, separated by colons; the first is used. (Not on
    // Windows, where a colon is part of a path.)
    let mut commands: Vec<&str> = if cfg!(windows) {
        vec![browser.as_str()]
    } else {
        browser.split(':').collect()
    };
    commands.retain(|command| !command.trim().is_empty());
    if let Some(command) = commands.first()
        && let Some(mut words) = shlex::split(command).filter(|words| !words.is_empty())
    {
        let program = words.remove(0);
        let mut substituted = false;
        for word in &mut words {
            if word.contains("%s") {
                *word = word.replace("%s", path.as_str());
                substituted = true;
            }
        }
        if !substituted {
            words.push(path.to_string());
        }
        return (program, words);
    }
    if cfg!(target_os = "macos") {
        ("open".to_owned(), vec![path.to_string()])
    } else if cfg!(windows) {
        // `start` is built into cmd; its first quoted argument is a window title.
        (
            "cmd".to_owned(),
            vec![
                "/C".to_owned(),
                "start".to_owned(),
                String::new(),
                path.to_string(),
            ],
        )
    } else {
        ("xdg-open".to_owned(), vec![path.to_string()])
    }
}
