//! The Handlebars registry a report is rendered with.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{Checkpoint, EncodeError};
use handlebars::{Context, Handlebars, RenderError, TemplateError};

use crate::DEFAULT_TEMPLATE;
use crate::data::{root_data, template_data};

/// The name the built-in template is registered (and reported in errors) under.
const DEFAULT_NAME: &str = "default";

/// A template, its partials and the helpers, ready to render checkpoints.
pub struct Renderer {
    registry: Handlebars<'static>,
    main: String,
    /// Whether the templates were rewritten to render one message at a time (`stream`).
    mode: crate::stream::Mode,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("main", &self.main)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer for `template` (a file), or for the default template when `None`. Every `.hbs`
    /// file in `template_dir` and in the template's own folder is registered as a partial named
    /// after its file stem.
    pub fn new(
        template: Option<&Utf8Path>,
        template_dir: Option<&Utf8Path>,
    ) -> Result<Renderer, EncodeError> {
        let mut registry = Handlebars::new();
        // HTML escaping is wrong for Markdown: `<` in a message must stay `<`.
        registry.register_escape_fn(handlebars::no_escape);
        registry.set_strict_mode(true);
        crate::helpers::register(&mut registry);

        let mut folders: Vec<Utf8PathBuf> =
            template_dir.map(Utf8Path::to_owned).into_iter().collect();
        if let Some(folder) = template.and_then(Utf8Path::parent) {
            let folder = if folder.as_str().is_empty() {
                Utf8Path::new(".")
            } else {
                folder
            };
            if !folders.iter().any(|known| known == folder) {
                folders.push(folder.to_owned());
            }
        }
        // A partial that does not parse breaks only the templates that use it: the others in
        // its folder render as before, and one that uses it gets the partial's own error.
        let mut broken = Vec::new();
        let mut sources = std::collections::BTreeMap::new();
        for folder in &folders {
            register_partials(&mut registry, folder, &mut broken, &mut sources)?;
        }

        let mut main_text = None;
        let main = match template {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| {
                    EncodeError::Format(format!(
                        "cannot read the template {path}: {}",
                        reason(&error)
                    ))
                })?;
                crate::bounds::check_source(path.as_str(), &text)?;
                registry
                    .register_template_string(path.as_str(), &text)
                    .map_err(template_error)?;
                main_text = Some(text);
                path.to_string()
            }
            None => {
                registry
                    .register_template_string(DEFAULT_NAME, DEFAULT_TEMPLATE)
                    .map_err(template_error)?;
                DEFAULT_NAME.to_owned()
            }
        };
        if let Some(text) = &main_text
            && let Some(error) = broken_in_use(text, &sources, broken)
        {
            return Err(error);
        }
        crate::bounds::check_tree(&registry, &main)?;
        let mode = crate::stream::mode(&registry, &main);
        if mode != crate::stream::Mode::Whole {
            crate::stream::rewrite(&mut registry);
        }
        Ok(Renderer {
            registry,
            main,
            mode,
        })
    }

    /// Renders `checkpoint` into `out`.
    pub fn render(&self, checkpoint: &Checkpoint, out: &mut dyn Write) -> Result<(), EncodeError> {
        let mut out = std::io::BufWriter::new(out);
        // `Context::from` takes the data as it is; `render_to_write` would copy it once more.
        let rendered = if let crate::stream::Mode::Streamed { len } = self.mode {
            let placeholders = crate::stream::placeholders(checkpoint.messages.len(), len);
            let data = Context::from(root_data(checkpoint, placeholders));
            let mut registry: Handlebars<'_> = self.registry.clone();
            let messages = checkpoint.messages.as_slice();
            registry.register_helper(
                crate::stream::EACH,
                Box::new(crate::stream::EachMessage { messages }),
            );
            registry.register_helper(
                crate::stream::COUNT,
                Box::new(crate::stream::CountMessages { messages }),
            );
            registry.render_with_context_to_write(&self.main, &data, &mut out)
        } else {
            let data = Context::from(template_data(checkpoint));
            self.registry
                .render_with_context_to_write(&self.main, &data, &mut out)
        };
        rendered.map_err(render_error)?;
        out.flush()?;
        Ok(())
    }

    /// Whether this renderer renders one message at a time (for tests and benchmarks).
    pub fn is_streamed(&self) -> bool {
        self.mode != crate::stream::Mode::Whole
    }
}

/// The error of the first broken partial that `main` includes, directly or through the partials
/// it includes.
fn broken_in_use(
    main: &str,
    sources: &std::collections::BTreeMap<String, String>,
    broken: Vec<(String, EncodeError)>,
) -> Option<EncodeError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut texts = vec![main];
    while let Some(text) = texts.pop() {
        for (stem, source) in sources {
            if !seen.contains(stem.as_str()) && uses_partial(text, stem) {
                seen.insert(stem.as_str());
                texts.push(source);
            }
        }
        if let Some(at) = broken.iter().position(|(stem, _)| uses_partial(text, stem)) {
            return broken.into_iter().nth(at).map(|(_, error)| error);
        }
    }
    None
}

/// Whether template `text` includes the partial `stem` (`{{> stem}}` or `{{#> stem}}`).
fn uses_partial(text: &str, stem: &str) -> bool {
    text.match_indices('>').any(|(at, _)| {
        let before = text[..at].trim_end_matches(['#', '~']);
        before.ends_with("{{")
            && text[at + 1..]
                .trim_start()
                .strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '}'))
    })
}

/// Registers every `.hbs` file in `folder` as a partial. One that does not parse goes to
/// `broken` with its error (naming its file and line), and is an error only for a template that
/// includes it; `sources` gets the text of each one registered, by name.
fn register_partials(
    registry: &mut Handlebars<'static>,
    folder: &Utf8Path,
    broken: &mut Vec<(String, EncodeError)>,
    sources: &mut std::collections::BTreeMap<String, String>,
) -> Result<(), EncodeError> {
    let Ok(entries) = folder.read_dir_utf8() else {
        return Ok(()); // No folder, no partials.
    };
    let mut paths: Vec<Utf8PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension() == Some("hbs") && !path.is_dir())
        .collect();
    paths.sort();
    for path in paths {
        confined(&path, folder)?;
        let Some(stem) = path.file_stem() else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|error| {
            EncodeError::Format(format!(
                "cannot read the template {path}: {}",
                reason(&error)
            ))
        })?;
        if let Err(error) = crate::bounds::check_source(path.as_str(), &text) {
            broken.push((stem.to_owned(), error));
            continue;
        }
        // Registered under its path, so errors inside a partial name the partial's file.
        if let Err(error) = registry.register_template_string(path.as_str(), &text) {
            broken.push((stem.to_owned(), template_error(error)));
            continue;
        }
        registry
            .register_partial(stem, text.clone())
            .map_err(template_error)?;
        sources.insert(stem.to_owned(), text);
    }
    Ok(())
}

/// Refuses a partial that is not a regular file inside `folder` once symlinks are followed: a
/// link to `/proc/self/environ` put the environment, API keys included, into a report.
fn confined(path: &Utf8Path, folder: &Utf8Path) -> Result<(), EncodeError> {
    let unreadable = |error: std::io::Error| {
        EncodeError::Format(format!(
            "cannot read the template {path}: {}",
            reason(&error)
        ))
    };
    let resolved = path.canonicalize_utf8().map_err(unreadable)?;
    let folder = folder.canonicalize_utf8().map_err(unreadable)?;
    if !resolved.starts_with(&folder) {
        return Err(EncodeError::Format(format!(
            "the template {path} leads outside its folder, to {resolved}; partials must be \
             files in {folder}, not links out of it"
        )));
    }
    if !std::fs::metadata(&resolved).map_err(unreadable)?.is_file() {
        return Err(EncodeError::Format(format!(
            "the template {path} is not a regular file"
        )));
    }
    Ok(())
}

fn reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => error.to_string(),
    }
}

/// `template FILE:LINE:COLUMN: reason` for a template that does not parse.
fn template_error(error: TemplateError) -> EncodeError {
    let name = error.name().map_or(DEFAULT_NAME, String::as_str);
    let place = match error.pos() {
        Some((line, column)) => format!("{name}:{line}:{column}"),
        None => name.to_owned(),
    };
    let reason = match error.reason() {
        // The parser's list of every token it expected helps nobody; say what usually went wrong.
        handlebars::TemplateErrorReason::InvalidSyntax(_) => {
            "invalid Handlebars syntax (an unclosed {{#block}}, or a stray {{ or }}?)".to_owned()
        }
        other => other.to_string(),
    };
    EncodeError::Format(format!("template {place}: {reason}"))
}

/// `template FILE:LINE:COLUMN: reason` for a template that fails while rendering.
fn render_error(error: RenderError) -> EncodeError {
    if let handlebars::RenderErrorReason::IOError(io) = error.reason() {
        return EncodeError::Io(std::io::Error::new(io.kind(), io.to_string()));
    }
    let name = error.template_name.as_deref().unwrap_or(DEFAULT_NAME);
    let place = match (error.line_no, error.column_no) {
        (Some(line), Some(column)) => format!("{name}:{line}:{column}"),
        _ => name.to_owned(),
    };
    let reason = match error.reason() {
        // handlebars words this with the `Option` around the name: `Some("session.nmae")`.
        handlebars::RenderErrorReason::MissingVariable(Some(name)) => {
            format!("{name:?} is not in the template data")
        }
        handlebars::RenderErrorReason::MissingVariable(None) => {
            "a name the template uses is not in the template data".to_owned()
        }
        other => other.to_string(),
    };
    let hint = match error.reason() {
        handlebars::RenderErrorReason::MissingVariable(_) => {
            "; the names a template can use are in docs/templates.md"
        }
        _ => "",
    };
    EncodeError::Format(format!("template {place}: {reason}{hint}"))
}

#[cfg(test)]
mod partial_use_tests {
    use super::uses_partial;

    #[test]
    fn partial_includes_are_found_by_name() {
        assert!(uses_partial("a {{> header}} b", "header"));
        assert!(uses_partial(
            "{{#> header title=x}}body{{/header}}",
            "header"
        ));
        assert!(uses_partial("{{~> header ~}}", "header"));
        assert!(!uses_partial("{{> headers}}", "header"));
        assert!(!uses_partial("a > header", "header"));
    }
}
