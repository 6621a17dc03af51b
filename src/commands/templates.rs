//! `confab templates list | show NAME | new NAME`: the report templates there are, their text,
//! and a new one to edit.
//!
//! `show default` prints the built-in template; `new NAME` copies it (or `--from` another) into
//! `.confab/templates/NAME.hbs`, creating the folder, so a custom template starts from one that
//! works, and `--template NAME` uses it.

use std::io::Write;

use clap::{Args, Subcommand};

use crate::display::write_table;
use crate::error::CliError;
use crate::output::stdout;
use crate::project::Project;

/// Arguments of `confab templates`.
#[derive(Debug, Args)]
pub(crate) struct TemplatesArgs {
    #[command(subcommand)]
    command: TemplatesCommand,
}

#[derive(Debug, Subcommand)]
enum TemplatesCommand {
    /// List the built-in template and the project's (`.confab/templates/*.hbs`).
    List,
    /// Print a template: `default`, a project template's name, or a `.hbs` file.
    Show {
        /// The template to print.
        name: String,
    },
    /// Start a project template: `.confab/templates/NAME.hbs`, a copy of `--from` (default:
    /// the built-in template). An existing template is never overwritten.
    New {
        /// The new template's name (letters, digits, `.`, `_`, `-`).
        name: String,
        /// The template to copy: `default`, a project template's name, or a `.hbs` file.
        #[arg(long, value_name = "TEMPLATE", default_value = DEFAULT)]
        from: String,
    },
}

/// The name of the built-in report template.
pub(crate) const DEFAULT: &str = "default";

pub(crate) fn run(args: &TemplatesArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let mut out = stdout();
    match &args.command {
        TemplatesCommand::List => {
            let chosen = project
                .config
                .default_template
                .as_deref()
                .unwrap_or(DEFAULT);
            let mut rows = vec![vec![
                DEFAULT.to_owned(),
                "(built in)".to_owned(),
                marker(chosen == DEFAULT),
            ]];
            for (name, path) in project.templates() {
                let relative = path
                    .strip_prefix(&project.root)
                    .map_or(path.clone(), |p| p.to_owned());
                rows.push(vec![
                    name.clone(),
                    relative.to_string(),
                    marker(chosen == name),
                ]);
            }
            write_table(&mut out, &["TEMPLATE", "SOURCE", "DEFAULT"], &rows, &[])?;
        }
        TemplatesCommand::Show { name } => out.write_all(&template_text(&project, name)?)?,
        TemplatesCommand::New { name, from } => {
            drop(out);
            create(&project, name, from)?;
        }
    }
    Ok(())
}

/// The text of template `name`: the built-in one for `default` (unless the project has its own
/// `default`), a project template, or a `.hbs` file inside the project.
fn template_text(project: &Project, name: &str) -> Result<Vec<u8>, CliError> {
    if name == DEFAULT && !project.templates_dir().join("default.hbs").is_file() {
        return Ok(confab_format_markdown::DEFAULT_TEMPLATE.as_bytes().to_vec());
    }
    let current = crate::project::current_folder().unwrap_or_else(|_| project.root.clone());
    let path = project.resolve_template(name, &current)?;
    let path = crate::config::trusted_file(&project.root, &path, "template")?;
    std::fs::read(&path).map_err(|error| {
        CliError::failure(format!(
            "could not read {path}: {}",
            crate::input::io_reason(&error)
        ))
    })
}

/// `templates new NAME --from FROM`.
fn create(project: &Project, name: &str, from: &str) -> Result<(), CliError> {
    confab_core::validate_session_name(name).map_err(|error| {
        CliError::usage(format!("cannot name a template {name:?}: {}", error.reason))
            .hint("use letters, digits, '.', '_' and '-', e.g. handover")
    })?;
    let text = template_text(project, from)?;
    let folder = project.templates_dir();
    let path = folder.join(format!("{name}.hbs"));
    if path.exists() {
        return Err(
            CliError::failure(format!("{path} already exists")).hint(format!(
                "edit it, or choose another name; `confab templates show {name}` prints it"
            )),
        );
    }
    let failed = |error: std::io::Error| {
        CliError::failure(format!("could not write {path}")).caused_by(error)
    };
    std::fs::create_dir_all(&folder).map_err(failed)?;
    project.ensure_state_dir();
    let mut file = tempfile::NamedTempFile::new_in(&folder).map_err(failed)?;
    file.write_all(&text).map_err(failed)?;
    // Never over a template another confab (or the person) made meanwhile.
    file.persist_noclobber(&path)
        .map_err(|error| failed(error.error))?;
    let relative = path.strip_prefix(&project.root).unwrap_or(&path);
    writeln!(
        crate::output::stderr(),
        "Created {relative} from {from}; use it with --template {name}"
    )?;
    Ok(())
}

fn marker(chosen: bool) -> String {
    if chosen {
        "yes".to_owned()
    } else {
        String::new()
    }
}
