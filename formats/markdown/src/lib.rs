//! Markdown reports of checkpoints, rendered through Handlebars templates.
//!
//! Reports are for people: a session to attach to an incident ticket, to read on GitHub, to keep
//! in a runbook. They are not checkpoints (this format only encodes; `import` refuses `.md`), so
//! the template is free to show as much or as little as it likes.
//!
//! The default template is `templates/default.md.hbs`, embedded in the binary. Users bring their
//! own through [`EncodeOptions::template`]; every `.hbs` file in [`EncodeOptions::template_dir`]
//! and beside the template is available as a partial. The data a template sees is the checkpoint
//! itself, under the names of a JSON export (see [`template_data`]), and the helpers are listed
//! in [`helpers`]. Rendering is strict: a name that does not exist in the data is an error with
//! the template's file, line and column, not a silent blank.
//!
//! Message content is Markdown written by a model or a person, and a report is read rendered.
//! Pasted raw into a report, though, a heading or an unbalanced code fence in it would break the
//! report's structure. The default template renders what users, assistants and the system wrote
//! through the `prose` helper ([`prose`]), which rewrites only what would reach outside the
//! message (headings nest under the message's, open fences and HTML blocks are closed, document-wide
//! definitions are escaped), and fences tool output and tool-call arguments (the `fence` helper:
//! a code fence longer than any backtick run inside, so any content survives byte for byte).

pub mod bounds;
pub mod data;
pub mod helpers;
pub mod prose;
mod render;
mod stream;

use std::io::Write;

use confab_core::{Checkpoint, Encode, EncodeError, EncodeOptions};

pub use data::template_data;
pub use render::Renderer;

/// The default report template, as `templates/default.md.hbs` at the top of the repository reads.
///
/// The crate keeps its own copy so that it packages on its own; a test keeps the two identical.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/default.md.hbs");

confab_core::declare_format! {
    /// The Markdown report format.
    MarkdownFormat {
        name: "markdown",
        aliases: ["md"],
        extensions: ["md", "markdown"],
        description: "Markdown report through a Handlebars template (export only)",
        capabilities: [encode],
    }
}

impl Encode for MarkdownFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let renderer = Renderer::new(options.template.as_deref(), options.template_dir.as_deref())?;
        renderer.render(checkpoint, out)
    }

    fn uses_templates(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_template_is_the_file_at_the_top_of_the_repository() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../templates/default.md.hbs"
        );
        let on_disk = std::fs::read_to_string(path).expect("template file readable");
        assert_eq!(super::DEFAULT_TEMPLATE, on_disk);
    }
}
