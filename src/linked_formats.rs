//! The format crates this binary ships.
//!
//! Formats register themselves with `inventory::submit!`, and nothing else in the CLI names them.
//! But a linker only keeps the parts of a library that something refers to, and a registration is
//! referred to by nobody: touching each crate's `FORMAT` static here is what keeps it in the
//! binary. Shipping a new format is adding its crate to `Cargo.toml` and one line below.
//!
//! Formats from outside (executables `confab-format-NAME` on `PATH`) join here too, through
//! `confab_format_external::init`, which costs a directory listing per `PATH` entry when there
//! are none.

use std::hint::black_box;

/// Makes sure every format crate's registration is linked in, and registers the formats found on
/// `PATH`; called once at start-up.
pub(crate) fn ensure_linked() {
    confab_format_external::init();
    black_box(&confab_format_chatgpt::FORMAT);
    black_box(&confab_format_claude_ai::FORMAT);
    black_box(&confab_format_claude_code::FORMAT);
    black_box(&confab_format_codex::FORMAT);
    black_box(&confab_format_gemini::FORMAT);
    black_box(&confab_format_html::FORMAT);
    black_box(&confab_format_json::FORMAT);
    black_box(&confab_format_llm::FORMAT);
    black_box(&confab_format_markdown::FORMAT);
    black_box(&confab_format_openai::FORMAT);
    black_box(&confab_format_opencode::FORMAT);
    black_box(&confab_format_text::FORMAT);
    black_box(&confab_format_yaml::FORMAT);
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_format_is_registered() {
        super::ensure_linked();
        let names: Vec<&str> = confab_core::formats()
            .iter()
            .filter(|format| format.origin() == confab_core::Origin::BuiltIn)
            .map(|format| format.name())
            .collect();
        assert_eq!(
            names,
            [
                "chatgpt",
                "claude-ai",
                "claude-code",
                "codex",
                "gemini",
                "html",
                "json",
                "llm",
                "markdown",
                "openai",
                "opencode",
                "text",
                "yaml"
            ]
        );
    }
}
