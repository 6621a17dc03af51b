//! Self-contained HTML pages of checkpoints, rendered through Handlebars templates.
//!
//! A page is for reading a session: a reviewer scrolling 300 messages with tool calls and long
//! outputs, on a laptop or a phone, or printing it. It is one file that works opened from disk
//! with no network: its stylesheet and its few lines of script are inline, and a strict
//! Content-Security-Policy (`default-src 'none'`, the style and script allowed by their SHA-256
//! hashes, no `'unsafe-inline'`) forbids every load from anywhere, so even a mistake in a
//! template cannot make the page fetch, or run, anything else.
//!
//! Sessions hold text nobody vetted: a pasted web page, a tool's output, a model's answer about
//! XSS. Every piece of data reaches the page escaped by construction:
//!
//! - what a template writes with `{{double}}` braces goes through [`escape::escape`] (HTML
//!   escaping, with bidirectional overrides and control characters made visible);
//! - message content is Markdown rendered by [`markdown::render`], which shows raw HTML as
//!   text, keeps only web and mail links, loads no image and escapes code
//!   ([`highlight`] colours it); its output is markup a template writes with `{{{triple}}}`
//!   braces because it was built escaped.
//!
//! Like the Markdown report, the page is a Handlebars template: the default one is
//! `templates/default.html.hbs`, embedded; users bring their own through
//! [`EncodeOptions::template`] (one file; HTML templates take no partials). The data is the
//! Markdown report's plus what a page needs ([`page`]), and the helpers are the report's
//! (`confab_format_markdown::helpers`). `docs/html-pages.md` documents both; a test keeps it
//! in step with [`page::page_data`].

pub mod escape;
pub mod highlight;
pub mod markdown;
pub mod page;

use std::io::Write;

use camino::Utf8Path;
use confab_core::{Checkpoint, Encode, EncodeError, EncodeOptions};
use handlebars::{Context, Handlebars};

/// The default page template, as `templates/default.html.hbs` at the top of the repository
/// reads.
///
/// The crate keeps its own copy so that it packages on its own; a test keeps the two identical.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/default.html.hbs");

/// The name the built-in template is registered (and reported in errors) under.
const DEFAULT_NAME: &str = "default.html";

confab_core::declare_format! {
    /// The HTML page format.
    HtmlFormat {
        name: "html",
        aliases: ["htm"],
        extensions: ["html", "htm"],
        description: "Self-contained HTML page through a Handlebars template, safe offline (export only)",
        capabilities: [encode],
    }
}

impl Encode for HtmlFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        Renderer::new(options.template.as_deref())?.render(checkpoint, out)
    }

    fn uses_templates(&self) -> bool {
        true
    }
}

/// A page template and the helpers, ready to render checkpoints.
pub struct Renderer {
    registry: Handlebars<'static>,
    main: String,
    csp: String,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("main", &self.main)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer for the page template `template` (a file), or the default one when `None`.
    pub fn new(template: Option<&Utf8Path>) -> Result<Renderer, EncodeError> {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(escape::escape);
        registry.set_strict_mode(true);
        confab_format_markdown::helpers::register(&mut registry);
        let main = match template {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| {
                    let reason = match error.kind() {
                        std::io::ErrorKind::NotFound => "no such file".to_owned(),
                        _ => error.to_string(),
                    };
                    EncodeError::Format(format!("cannot read the template {path}: {reason}"))
                })?;
                confab_format_markdown::bounds::check_source(path.as_str(), &text)?;
                registry
                    .register_template_string(path.as_str(), &text)
                    .map_err(template_error)?;
                path.to_string()
            }
            None => {
                registry
                    .register_template_string(DEFAULT_NAME, DEFAULT_TEMPLATE)
                    .map_err(template_error)?;
                DEFAULT_NAME.to_owned()
            }
        };
        confab_format_markdown::bounds::check_tree(&registry, &main)?;
        // Hashed once per renderer: the policy allows exactly the text the page inlines.
        let csp = page::content_security_policy(page::STYLE, page::SCRIPT);
        Ok(Renderer {
            registry,
            main,
            csp,
        })
    }

    /// Renders `checkpoint` into `out`.
    pub fn render(&self, checkpoint: &Checkpoint, out: &mut dyn Write) -> Result<(), EncodeError> {
        let mut out = std::io::BufWriter::new(out);
        let data = Context::from(page::page_data(checkpoint, &self.csp));
        self.registry
            .render_with_context_to_write(&self.main, &data, &mut out)
            .map_err(|error| render_error(&self.main, error))?;
        out.flush()?;
        Ok(())
    }
}

/// `template FILE:LINE:COLUMN: reason` for a template that does not parse.
fn template_error(error: handlebars::TemplateError) -> EncodeError {
    let name = error.name().map_or(DEFAULT_NAME, String::as_str);
    let place = match error.pos() {
        Some((line, column)) => format!("{name}:{line}:{column}"),
        None => name.to_owned(),
    };
    let reason = match error.reason() {
        handlebars::TemplateErrorReason::InvalidSyntax(_) => {
            "invalid Handlebars syntax (an unclosed {{#block}}, or a stray {{ or }}?)".to_owned()
        }
        other => other.to_string(),
    };
    EncodeError::Format(format!("template {place}: {reason}"))
}

/// `template FILE:LINE:COLUMN: reason` for a template that fails while rendering.
fn render_error(main: &str, error: handlebars::RenderError) -> EncodeError {
    if let handlebars::RenderErrorReason::IOError(io) = error.reason() {
        return EncodeError::Io(std::io::Error::new(io.kind(), io.to_string()));
    }
    let name = error.template_name.as_deref().unwrap_or(main);
    let place = match (error.line_no, error.column_no) {
        (Some(line), Some(column)) => format!("{name}:{line}:{column}"),
        _ => name.to_owned(),
    };
    let reason = match error.reason() {
        handlebars::RenderErrorReason::MissingVariable(Some(name)) => format!(
            "{name:?} is not in the template data; the names a page template can use are in \
             docs/html-pages.md"
        ),
        other => other.to_string(),
    };
    EncodeError::Format(format!("template {place}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Checkpoint {
        Checkpoint {
            version: confab_core::CURRENT_VERSION.to_owned(),
            exported_at: None,
            exported_by: None,
            session: confab_core::SessionInfo {
                name: "s".to_owned(),
                provider: "p".to_owned(),
                model: "m".to_owned(),
                skill: None,
                project_path: None,
                created_at: None,
                updated_at: None,
                created_by: None,
                updated_by: None,
                metadata: None,
            },
            messages: vec![confab_core::Message::new(confab_core::Role::User, "hi")],
            context: None,
            statistics: None,
        }
    }

    #[test]
    fn embedded_template_is_the_file_at_the_top_of_the_repository() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../templates/default.html.hbs"
        );
        let on_disk = std::fs::read_to_string(path).expect("template file readable");
        assert_eq!(DEFAULT_TEMPLATE, on_disk);
    }

    #[test]
    fn the_inline_style_and_script_are_exactly_what_the_policy_hashes() {
        let checkpoint = tiny();
        let mut out = Vec::new();
        Renderer::new(None)
            .expect("default template")
            .render(&checkpoint, &mut out)
            .expect("renders");
        let page = String::from_utf8(out).expect("UTF-8");
        let between = |open: &str, close: &str| -> String {
            let start = page.find(open).expect("open tag") + open.len();
            let end = start + page[start..].find(close).expect("close tag");
            page[start..end].to_owned()
        };
        let style = between("<style>", "</style>");
        let script = between("<script>", "</script>");
        let policy = between("http-equiv=\"Content-Security-Policy\" content=\"", "\"");
        assert_eq!(style, page::STYLE);
        assert_eq!(script, page::SCRIPT);
        assert_eq!(
            policy.replace("&#39;", "'"),
            page::content_security_policy(&style, &script)
        );
        assert_eq!(page.matches("<style").count(), 1);
        assert_eq!(page.matches("<script").count(), 1);
    }

    #[test]
    fn a_missing_name_is_an_error_with_the_template_place() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = Utf8Path::from_path(folder.path())
            .expect("UTF-8")
            .join("page.html.hbs");
        std::fs::write(&path, "<p>\n{{session.nmae}}</p>").expect("write");
        let checkpoint = tiny();
        let error = Renderer::new(Some(&path))
            .expect("parses")
            .render(&checkpoint, &mut Vec::new())
            .expect_err("unknown name");
        let text = error.to_string();
        assert!(text.contains("page.html.hbs:2:1"), "{text}");
        assert!(text.contains("session.nmae"), "{text}");
    }
}
