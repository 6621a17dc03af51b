//! How deep a template may nest, counted before anything is rendered.
//!
//! Handlebars (the parser as much as the renderer) recurses once per level of nesting and has no
//! limit of its own, so a template with 8,000 nested blocks, 5,000 nested subexpressions or two
//! partials that include each other ran the process out of stack: an abort (exit 134) rather
//! than an error, with the export's temporary file left behind. Real reports nest a handful of
//! levels. So every template is checked twice:
//!
//! - [`check_source`], on the text, before it is parsed: blocks, `else if` chains and parentheses
//!   are counted lexically (over-counting is possible, e.g. inside raw blocks, and only ever errs
//!   toward refusing), which keeps the parser's own recursion bounded;
//! - [`check_tree`], on the parsed templates, from the main template through every partial it can
//!   reach: the depth of blocks, subexpressions and partial inclusions together, so a chain or
//!   loop of partials is bounded as well. A loop is named as such; a partial whose name is
//!   computed at render time (`{{> (lookup ...)}}`) is refused, since its depth cannot be known.
//!
//! Both refuse more than [`MAX_DEPTH`] levels with the template's name (and line, lexically).

use std::collections::HashMap;

use confab_core::EncodeError;
use handlebars::Handlebars;
use handlebars::template::{
    DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement,
};
use serde_json::Value;

/// Deepest nesting a template may have: blocks, `else` branches, subexpressions and partials,
/// counted together. Far above what a report needs, far below what the stack can take.
pub const MAX_DEPTH: usize = 64;

/// The partial name Handlebars gives the block of a partial block; its content is rendered by
/// the caller, so it adds no depth here.
const PARTIAL_BLOCK: &str = "@partial-block";

fn too_deep(place: &str) -> EncodeError {
    EncodeError::Format(format!(
        "template {place}: nested more than {MAX_DEPTH} levels deep (blocks, else branches, \
         subexpressions and partials together); flatten the template"
    ))
}

/// Refuses the text of template `name` when it nests deeper than [`MAX_DEPTH`], before it is
/// parsed (see the module documentation).
pub fn check_source(name: &str, text: &str) -> Result<(), EncodeError> {
    let bytes = text.as_bytes();
    // Each open block's share of `depth`: 1, plus 1 per `else` branch chained onto it.
    let mut blocks: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = find(bytes, at, b"{{") {
        let line = || 1 + bytes[..found].iter().filter(|byte| **byte == b'\n').count();
        let mut cursor = found + 2;
        if bytes[cursor..].starts_with(b"!--") {
            at = find(bytes, cursor, b"--}}").map_or(bytes.len(), |end| end + 4);
            continue;
        }
        if bytes[cursor..].starts_with(b"!") {
            at = find(bytes, cursor, b"}}").map_or(bytes.len(), |end| end + 2);
            continue;
        }
        // A raw block's content is text to the parser, and so it is here: closing tags inside
        // it must not be taken off the count (the depth would then be underestimated).
        if bytes[cursor..].starts_with(b"{{") {
            at = match find(bytes, cursor, b"}}}}") {
                Some(end) if !bytes[cursor + 2..].starts_with(b"/") => find(bytes, end, b"{{{{/")
                    .map_or(bytes.len(), |close| {
                        find(bytes, close, b"}}}}").map_or(bytes.len(), |end| end + 4)
                    }),
                Some(end) => end + 4,
                None => bytes.len(),
            };
            continue;
        }
        // `\{{` is text too; only a closing tag matters (an opening one counted in excess only
        // errs toward refusing).
        let escaped = found > 0 && bytes[found - 1] == b'\\';
        while cursor < bytes.len() && matches!(bytes[cursor], b'{' | b'~' | b'&') {
            cursor += 1;
        }
        let rest = &bytes[cursor..];
        let closes_soon = |from: usize| {
            let after = rest[from.min(rest.len())..]
                .iter()
                .position(|byte| !byte.is_ascii_whitespace() && *byte != b'~')
                .map(|skip| from + skip);
            after.is_none_or(|index| rest[index] == b'}')
        };
        match rest.first() {
            Some(b'#') => {
                blocks.push(1);
                depth += 1;
            }
            Some(b'^') if !closes_soon(1) => {
                blocks.push(1);
                depth += 1;
            }
            Some(b'/') if !escaped => depth -= blocks.pop().unwrap_or(0),
            _ if rest.starts_with(b"else") && !closes_soon(4) => {
                if let Some(top) = blocks.last_mut() {
                    *top += 1;
                    depth += 1;
                }
            }
            _ => {}
        }
        if depth > MAX_DEPTH {
            return Err(too_deep(&format!("{name}:{}", line())));
        }
        // Parentheses inside the tag, outside string literals.
        let mut parentheses = 0usize;
        let mut quote: Option<u8> = None;
        let mut index = cursor;
        while index < bytes.len() {
            let byte = bytes[index];
            match quote {
                Some(open) if byte == open => quote = None,
                Some(_) => {}
                None if byte == b'"' || byte == b'\'' => quote = Some(byte),
                None if byte == b'(' => {
                    parentheses += 1;
                    if depth + parentheses > MAX_DEPTH {
                        return Err(too_deep(&format!("{name}:{}", line())));
                    }
                }
                None if byte == b')' => parentheses = parentheses.saturating_sub(1),
                None if bytes[index..].starts_with(b"}}") => break,
                None => {}
            }
            index += 1;
        }
        at = index;
    }
    Ok(())
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| from + position)
}

/// Refuses `main` when, with the partials registered beside it, rendering it could nest deeper
/// than [`MAX_DEPTH`], loop through partials, or include a partial whose name is computed.
pub fn check_tree(registry: &Handlebars<'_>, main: &str) -> Result<(), EncodeError> {
    let Some(template) = registry.get_template(main) else {
        return Ok(());
    };
    let mut walk = Walk {
        registry,
        inline: HashMap::new(),
        depths: HashMap::new(),
        open: vec![main.to_owned()],
    };
    // Inline partials (`{{#*inline "name"}}`) are partials too; collected first, since a
    // template may use one before the place it is defined.
    for template in registry.get_templates().values() {
        walk.collect_inline(template, 0)?;
    }
    walk.template(template, 0, main).map(|_| ())
}

struct Walk<'a> {
    registry: &'a Handlebars<'a>,
    /// Inline partials by name (several templates may define one name: all count).
    inline: HashMap<String, Vec<&'a Template>>,
    /// The depth of each partial, once known.
    depths: HashMap<String, usize>,
    /// The partials being walked, outermost first: a name met again is a loop.
    open: Vec<String>,
}

impl<'a> Walk<'a> {
    fn collect_inline(&mut self, template: &'a Template, level: usize) -> Result<(), EncodeError> {
        if level > MAX_DEPTH {
            return Err(too_deep(template.name.as_deref().unwrap_or("?")));
        }
        for element in &template.elements {
            match element {
                TemplateElement::HelperBlock(helper) => {
                    for child in helper.template.iter().chain(helper.inverse.iter()) {
                        self.collect_inline(child, level + 1)?;
                    }
                }
                TemplateElement::DecoratorBlock(decorator)
                | TemplateElement::PartialBlock(decorator) => {
                    if let Some(child) = &decorator.template {
                        if decorator.name.as_name() == Some("inline") {
                            let name = inline_name(decorator.params.first())
                                .ok_or_else(|| dynamic(template, "an inline partial's name"))?;
                            self.inline.entry(name).or_default().push(child);
                        }
                        self.collect_inline(child, level + 1)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The depth of `template` (rendered at `level`), or an error once past [`MAX_DEPTH`].
    fn template(
        &mut self,
        template: &'a Template,
        level: usize,
        name: &str,
    ) -> Result<usize, EncodeError> {
        if level > MAX_DEPTH {
            return Err(too_deep(name));
        }
        let mut deepest = 0;
        for element in &template.elements {
            let depth = match element {
                TemplateElement::RawString(_) | TemplateElement::Comment(_) => 0,
                TemplateElement::Expression(helper)
                | TemplateElement::HtmlExpression(helper)
                | TemplateElement::HelperBlock(helper) => self.helper(helper, level, name)?,
                TemplateElement::DecoratorExpression(decorator)
                | TemplateElement::DecoratorBlock(decorator) => {
                    self.decorator(decorator, level, name)?
                }
                TemplateElement::PartialExpression(decorator)
                | TemplateElement::PartialBlock(decorator) => {
                    let own = self.decorator(decorator, level, name)?;
                    let partial = match literal_name(Some(&decorator.name)) {
                        Some(partial) => self.partial(&partial, level + 1, name)?,
                        None => return Err(dynamic(template, "a partial's name")),
                    };
                    own.max(partial + 1)
                }
                // Elements of a later Handlebars: counted as one level, their insides unknown.
                _ => 1,
            };
            deepest = deepest.max(depth);
        }
        Ok(deepest)
    }

    /// A helper call or block: its parameters (subexpressions nest), its block and its `else`.
    fn helper(
        &mut self,
        helper: &'a HelperTemplate,
        level: usize,
        name: &str,
    ) -> Result<usize, EncodeError> {
        let mut deepest = self.parameters(
            std::iter::once(&helper.name)
                .chain(&helper.params)
                .chain(helper.hash.values()),
            level,
            name,
        )?;
        for child in helper.template.iter().chain(helper.inverse.iter()) {
            deepest = deepest.max(1 + self.template(child, level + 1, name)?);
        }
        Ok(deepest)
    }

    fn decorator(
        &mut self,
        decorator: &'a DecoratorTemplate,
        level: usize,
        name: &str,
    ) -> Result<usize, EncodeError> {
        let mut deepest = self.parameters(
            std::iter::once(&decorator.name)
                .chain(&decorator.params)
                .chain(decorator.hash.values()),
            level,
            name,
        )?;
        if let Some(child) = &decorator.template {
            deepest = deepest.max(1 + self.template(child, level + 1, name)?);
        }
        Ok(deepest)
    }

    fn parameters(
        &mut self,
        parameters: impl Iterator<Item = &'a Parameter>,
        level: usize,
        name: &str,
    ) -> Result<usize, EncodeError> {
        let mut deepest = 0;
        for parameter in parameters {
            if let Parameter::Subexpression(subexpression) = parameter {
                if level + 1 > MAX_DEPTH {
                    return Err(too_deep(name));
                }
                let inner = match subexpression.element.as_ref() {
                    TemplateElement::Expression(helper)
                    | TemplateElement::HtmlExpression(helper)
                    | TemplateElement::HelperBlock(helper) => {
                        self.helper(helper, level + 1, name)?
                    }
                    _ => 0,
                };
                deepest = deepest.max(inner + 1);
            }
        }
        Ok(deepest)
    }

    /// The depth of the partial `partial`, included at `level` from the template `from`.
    fn partial(&mut self, partial: &str, level: usize, from: &str) -> Result<usize, EncodeError> {
        if partial == PARTIAL_BLOCK {
            return Ok(0);
        }
        if let Some(depth) = self.depths.get(partial) {
            if level + depth > MAX_DEPTH {
                return Err(too_deep(from));
            }
            return Ok(*depth);
        }
        if let Some(start) = self.open.iter().position(|open| open == partial) {
            let mut chain: Vec<&str> = self.open[start..].iter().map(String::as_str).collect();
            chain.push(partial);
            return Err(EncodeError::Format(format!(
                "template {from}: partials include each other without end ({}); a partial \
                 may not include itself, directly or through others",
                chain.join(" > ")
            )));
        }
        let mut bodies: Vec<&'a Template> = self.inline.get(partial).cloned().unwrap_or_default();
        if let Some(registered) = self.registry.get_template(partial) {
            bodies.push(registered);
        }
        self.open.push(partial.to_owned());
        let mut deepest = 0;
        for body in bodies {
            deepest = deepest.max(self.template(body, level, partial)?);
        }
        self.open.pop();
        self.depths.insert(partial.to_owned(), deepest);
        Ok(deepest)
    }
}

/// The name of an inline partial, `{{#*inline "name"}}`: its parameter is evaluated, so only a
/// string literal is known before rendering.
fn inline_name(parameter: Option<&Parameter>) -> Option<String> {
    match parameter? {
        Parameter::Literal(Value::String(name)) => Some(name.clone()),
        _ => None,
    }
}

/// The name a partial is known by when it is written out: `{{> name}}`, `{{> "name"}}`; `None`
/// when it is computed at render time.
fn literal_name(parameter: Option<&Parameter>) -> Option<String> {
    let parameter = parameter?;
    match parameter {
        Parameter::Name(_) | Parameter::Path(_) => parameter.as_name().map(str::to_owned),
        Parameter::Literal(Value::String(name)) => Some(name.clone()),
        _ => None,
    }
}

fn dynamic(template: &Template, what: &str) -> EncodeError {
    EncodeError::Format(format!(
        "template {}: {what} is computed while rendering; write it out (as in {{{{> name}}}}) \
         so that confab can check how deep the template nests",
        template.name.as_deref().unwrap_or("?")
    ))
}

#[cfg(test)]
mod tests {
    use camino::Utf8Path;
    use confab_core::{CURRENT_VERSION, Checkpoint, Message, Role, SessionInfo};

    use crate::Renderer;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            version: CURRENT_VERSION.to_owned(),
            exported_at: None,
            exported_by: None,
            session: SessionInfo {
                name: "eks".to_owned(),
                provider: "openai".to_owned(),
                model: "gpt-4o".to_owned(),
                skill: None,
                project_path: None,
                created_at: None,
                updated_at: None,
                created_by: None,
                updated_by: None,
                metadata: None,
            },
            messages: vec![Message::new(Role::User, "hello")],
            context: None,
            statistics: None,
        }
    }

    /// Renders `main` with the partials `partials` (name, text) beside it.
    fn render(main: &str, partials: &[(&str, &str)]) -> Result<String, String> {
        let folder = tempfile::tempdir().expect("tempdir");
        let folder = Utf8Path::from_path(folder.path()).expect("utf-8");
        for (name, text) in partials {
            std::fs::write(folder.join(format!("{name}.hbs")), text).expect("write");
        }
        let template = folder.join("main.hbs");
        std::fs::write(&template, main).expect("write");
        let renderer = Renderer::new(Some(&template), None).map_err(|error| error.to_string())?;
        let mut out = Vec::new();
        renderer
            .render(&checkpoint(), &mut out)
            .map_err(|error| error.to_string())?;
        Ok(String::from_utf8(out).expect("utf-8"))
    }

    fn nested_blocks(levels: usize) -> String {
        format!(
            "{}x{}",
            "{{#if true}}".repeat(levels),
            "{{/if}}".repeat(levels)
        )
    }

    fn nested_subexpressions(levels: usize) -> String {
        format!(
            "{{{{upper {}session.name{}}}}}",
            "(lower ".repeat(levels),
            ")".repeat(levels)
        )
    }

    #[test]
    fn nesting_at_the_limit_renders_on_a_small_stack() {
        // Test threads have 2 MiB of stack, a quarter of a main thread's.
        assert_eq!(
            render(&nested_blocks(super::MAX_DEPTH), &[]),
            Ok("x".into())
        );
        assert_eq!(
            render(&nested_subexpressions(super::MAX_DEPTH - 1), &[]),
            Ok("EKS".into())
        );
    }

    #[test]
    fn deep_blocks_and_subexpressions_are_refused_before_parsing() {
        for (template, line) in [
            (nested_blocks(8_000), 1),
            (format!("\n\n{}", nested_subexpressions(5_000)), 3),
            (format!("\n{}", nested_blocks(super::MAX_DEPTH + 1)), 2),
        ] {
            let error = render(&template, &[]).expect_err("too deep");
            assert!(
                error.contains(&format!("main.hbs:{line}: nested more than 64")),
                "{error}"
            );
        }
    }

    #[test]
    fn closing_tags_in_raw_blocks_and_escapes_do_not_lower_the_count() {
        // Each run of opening tags stays under the limit, hidden closing tags after it would
        // bring the count back down: 6,000 levels in all, enough to exhaust the parser's stack
        // if the text check let them through.
        let run = "{{#if true}}".repeat(60);
        for hidden in [
            format!(
                "{{{{{{{{raw}}}}}}}}{}{{{{{{{{/raw}}}}}}}}",
                "{{/if}}".repeat(60)
            ),
            "\\{{/if}}".repeat(60),
        ] {
            let template = format!(
                "{}x{}",
                format!("{run}{hidden}").repeat(100),
                "{{/if}}".repeat(6_000)
            );
            let error = render(&template, &[]).expect_err("too deep");
            assert!(error.contains("nested more than 64"), "{error}");
        }
        assert_eq!(
            render("{{{{raw}}}}{{#if}}{{{{/raw}}}}|\\{{x}}", &[]),
            Ok("{{#if}}|{{x}}".into())
        );
    }

    #[test]
    fn long_else_chains_count_as_nesting() {
        let chain = format!(
            "{{{{#if false}}}}a{}{{{{/if}}}}",
            "{{else if false}}b".repeat(1_000)
        );
        let error = render(&chain, &[]).expect_err("too deep");
        assert!(error.contains("nested more than 64"), "{error}");
        let short = format!(
            "{{{{#if false}}}}a{}{{{{else}}}}c{{{{/if}}}}",
            "{{else if false}}b".repeat(10)
        );
        assert_eq!(render(&short, &[]), Ok("c".into()));
    }

    #[test]
    fn partials_that_include_each_other_are_refused() {
        let error = render(
            "{{> a}}",
            &[("a", "{{#if true}}{{> b}}{{/if}}"), ("b", "{{> a}}")],
        )
        .expect_err("loop");
        assert!(
            error.contains("partials include each other without end (a > b > a)"),
            "{error}"
        );
        let error = render(
            "{{#*inline \"x\"}}{{> y}}{{/inline}}{{> x}}",
            &[("y", "{{> x}}")],
        )
        .expect_err("loop through an inline partial");
        assert!(error.contains("include each other without end"), "{error}");
    }

    #[test]
    fn long_chains_of_partials_are_refused() {
        let names: Vec<String> = (0..200).map(|index| format!("p{index}")).collect();
        let texts: Vec<String> = (0..200)
            .map(|index| match names.get(index + 1) {
                Some(next) => format!("{{{{> {next}}}}}"),
                None => "end".to_owned(),
            })
            .collect();
        let partials: Vec<(&str, &str)> = names
            .iter()
            .map(String::as_str)
            .zip(texts.iter().map(String::as_str))
            .collect();
        let error = render("{{> p0}}", &partials).expect_err("too deep");
        assert!(error.contains("nested more than 64"), "{error}");
        assert_eq!(render("{{> p190}}", &partials), Ok("end".into()));
    }

    #[test]
    fn computed_partial_names_are_refused() {
        let error =
            render("{{> (lookup session \"name\")}}", &[("eks", "hi")]).expect_err("dynamic");
        assert!(
            error.contains("a partial's name is computed while rendering"),
            "{error}"
        );
    }

    #[test]
    fn partials_used_twice_and_partial_blocks_are_fine() {
        assert_eq!(
            render(
                "{{> a}}{{> a}}{{#> frame}}inside{{/frame}}",
                &[
                    ("a", "[{{session.name}}]"),
                    ("frame", "<{{> @partial-block}}>")
                ]
            ),
            Ok("[eks][eks]<inside>".into())
        );
    }
}
