//! Secret redaction as the commands use it: the project's redactor, built from the built-in
//! detectors of `confab-redact` and the patterns in `confab.yaml`.

use std::io::Write;

use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// The redactor of this project: the built-in detectors, the project's patterns and, for
/// `--redact-paths`, the home folder and the project path.
pub(crate) fn redactor(
    project: &Project,
    paths: bool,
) -> Result<confab_redact::Redactor, CliError> {
    let redactor =
        confab_redact::Redactor::new(&project.config.redact_patterns).map_err(|error| {
            CliError::failure(error).hint("fix the pattern in redact_patterns in confab.yaml")
        })?;
    if !paths {
        return Ok(redactor);
    }
    let mut replaced = vec![(project.root.to_string(), "project-path")];
    if let Some(home) = std::env::var_os("HOME").and_then(|home| home.into_string().ok())
        && !home.is_empty()
        && home != "/"
    {
        replaced.push((home, "home-dir"));
    }
    Ok(redactor.with_paths(&replaced))
}

/// The redactor `import` scans new sessions with, to warn about secrets they hold.
///
/// `redact_patterns` is about what an export removes; a typo in one pattern must not stop every
/// import (the scan only warns). A pattern that does not compile is left out of the scan, with a
/// warning naming it; `export --redact` still refuses to run without it, since it could not
/// keep its promise.
pub(crate) fn import_scanner(project: &Project) -> Result<confab_redact::Redactor, CliError> {
    let patterns = &project.config.redact_patterns;
    if let Ok(redactor) = confab_redact::Redactor::new(patterns) {
        return Ok(redactor);
    }
    let mut usable = Vec::with_capacity(patterns.len());
    let mut err = stderr();
    for pattern in patterns {
        match confab_redact::Redactor::new(std::slice::from_ref(pattern)) {
            Ok(_) => usable.push(pattern.clone()),
            Err(error) => writeln!(
                err,
                "warning: {error} (redact_patterns in confab.yaml); this import's secret scan goes on without it, and `export --redact` refuses to run until it is fixed"
            )?,
        }
    }
    confab_redact::Redactor::new(&usable).map_err(|error| {
        CliError::failure(error).hint("fix the patterns in redact_patterns in confab.yaml")
    })
}
