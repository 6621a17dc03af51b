//! Secret redaction as the commands use it: the project's redactor, built from the built-in
//! detectors of `confab-redact` and the patterns in `confab.yaml`.

use crate::error::CliError;
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
