//! `confab templates list | show NAME`: the report templates there are, and their text.
//!
//! `show default` prints the built-in template: the starting point for a custom one.

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
        TemplatesCommand::Show { name }
            if name == DEFAULT && !project.templates_dir().join("default.hbs").is_file() =>
        {
            out.write_all(confab_format_markdown::DEFAULT_TEMPLATE.as_bytes())?;
        }
        TemplatesCommand::Show { name } => {
            let current = std::env::current_dir()
                .ok()
                .and_then(|dir| camino::Utf8PathBuf::from_path_buf(dir).ok())
                .unwrap_or_else(|| project.root.clone());
            let path = project.resolve_template(name, &current)?;
            let path = crate::config::trusted_file(&project.root, &path, "template")?;
            let text = std::fs::read(&path).map_err(|error| {
                CliError::failure(format!(
                    "could not read {path}: {}",
                    crate::input::io_reason(&error)
                ))
            })?;
            out.write_all(&text)?;
        }
    }
    Ok(())
}

fn marker(chosen: bool) -> String {
    if chosen {
        "yes".to_owned()
    } else {
        String::new()
    }
}
