//! The line `import` prints after a session arrives: how to go on chatting in it.
//!
//! A hint that leads to an error is worse than none. An imported session keeps the provider its
//! source named (`google` for Gemini CLI, a local server's name for an OpenAI-format log), and
//! `confab chat --session` talks to that provider, so the hint is only the command when confab
//! knows the provider (built in, or described in `confab.yaml`); otherwise it says what to
//! describe first. A missing API key is not checked here: `chat` names the variable to set.

use std::io::Write;

use confab_core::Session;

use crate::project::Project;

/// Writes the hint for `session`, one line.
pub(crate) fn write_resume_hint(
    out: &mut dyn Write,
    project: &Project,
    session: &Session,
) -> std::io::Result<()> {
    let name = crate::sanitize::sanitize(&session.name);
    if super::provider::spec(&project.config, &session.provider).is_ok() {
        writeln!(out, "Resume it with: confab chat --session {name}")
    } else {
        writeln!(
            out,
            "To chat in it, describe the provider {:?} under providers in confab.yaml (api, base_url, model), then run: confab chat --session {name}",
            crate::sanitize::sanitize(&session.provider)
        )
    }
}
