//! Rendering a report one message at a time.
//!
//! Handlebars renders from one `serde_json::Value` holding everything a template may read. For
//! a session of many messages that value is many times the session's size (a map of a dozen
//! keys per message): a Markdown export of 400,000 short messages, 68 MB of JSON, peaked at
//! 1.7 GB. Most templates, the default one included, only ever walk the messages in order
//! (`{{#each messages}}`), count them (`{{count messages}}`, `{{len messages}}`) or ask whether
//! there are any (`{{#if messages}}`). For those, the data holds placeholders for the messages
//! (`null`s), `{{#each messages}}` is rendered by [`EachMessage`], which renders each message's
//! block over the data with only that message in it, and `count` by [`CountMessages`], which
//! counts the checkpoint's messages.
//!
//! [`mode`] decides, from the parsed templates, whether a template is one of those; any other use
//! of `messages` (an index, `@root`, `lookup`, a block parameter, a helper such as `last
//! messages 5`, `this` at the top where it is the whole data, any use in a partial) or an inline
//! partial renders the usual way, with every message in the data. The output is the same either
//! way; tests render both ways and compare.

use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{
    BlockContext, Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext,
    RenderError, RenderErrorReason, Renderable,
};
use serde_json::Value;

use confab_core::Message;

/// The name `{{#each messages}}` is renamed to in a streamed template.
pub(crate) const EACH: &str = "confab-each-message";
/// The name `{{count messages}}` is renamed to in a streamed template.
pub(crate) const COUNT: &str = "confab-count-messages";

const MESSAGES: &str = "messages";

/// How a template can be rendered (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// With every message in the data.
    Whole,
    /// One message at a time; `len` tells whether the template reads `len messages`, which
    /// needs a placeholder per message (otherwise one stands for all, for `{{#if messages}}`).
    Streamed { len: bool },
}

/// What a walk over the templates found, and what it allows.
struct Check {
    /// `len messages` is used.
    len: bool,
    /// The template walked may use `messages` (only the main one may: a partial can be
    /// included anywhere, and a message's render must start at the top of the main template).
    allow: bool,
}

/// How the templates of `registry` can be rendered, `main` being rendered: [`Mode::Streamed`]
/// when the main template uses `messages` only in the ways a streamed render supports and the
/// partials not at all.
pub(crate) fn mode(registry: &Handlebars<'_>, main: &str) -> Mode {
    let Some(main_template) = registry.get_template(main) else {
        return Mode::Whole;
    };
    let mut check = Check {
        len: false,
        allow: true,
    };
    if !template_ok(main_template, 0, &mut check) {
        return Mode::Whole;
    }
    check.allow = false;
    let partials_ok = registry
        .get_templates()
        .values()
        // The main file is also registered as a partial of its folder, under its stem.
        .filter(|template| template.elements != main_template.elements)
        .all(|template| template_ok(template, 0, &mut check));
    if partials_ok {
        Mode::Streamed { len: check.len }
    } else {
        Mode::Whole
    }
}

/// The stand-in for the messages in a streamed render's data: as many `null`s as there are
/// messages when the template reads their number, else one for all (or none for none).
pub(crate) fn placeholders(count: usize, len: bool) -> Value {
    let shown = if len { count } else { count.min(1) };
    Value::Array(vec![Value::Null; shown])
}

/// Renames the supported uses in every template of `registry` to [`EACH`] and [`COUNT`].
pub(crate) fn rewrite(registry: &mut Handlebars<'_>) {
    let rewritten: Vec<(String, Template)> = registry
        .get_templates()
        .iter()
        .map(|(name, template)| {
            let mut template = template.clone();
            rewrite_template(&mut template);
            (name.clone(), template)
        })
        .collect();
    for (name, template) in rewritten {
        registry.register_template(&name, template);
    }
}

/// Helpers that render their block in the same context (the others may change it).
fn keeps_context(name: &str) -> bool {
    matches!(name, "if" | "unless")
}

/// `scope`: how many blocks that may change the context surround the element.
fn template_ok(template: &Template, scope: usize, check: &mut Check) -> bool {
    template.elements.iter().all(|element| match element {
        TemplateElement::RawString(_) | TemplateElement::Comment(_) => true,
        TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => {
            helper_ok(helper, scope, false, check)
        }
        TemplateElement::HelperBlock(helper) => helper_ok(helper, scope, true, check),
        // Inline partials live in the blocks of the render that defines them, which a message's
        // own render does not see.
        TemplateElement::DecoratorExpression(_) | TemplateElement::DecoratorBlock(_) => false,
        TemplateElement::PartialExpression(decorator)
        | TemplateElement::PartialBlock(decorator) => {
            // A partial block's body renders where it stands.
            let inner = scope;
            // Partial names are names, not data (`{{> messages}}` is a file).
            let name_ok = matches!(
                element,
                TemplateElement::PartialExpression(_) | TemplateElement::PartialBlock(_)
            ) && !matches!(decorator.name, Parameter::Subexpression(_))
                || parameter_ok(&decorator.name, scope, check);
            name_ok
                && decorator
                    .params
                    .iter()
                    .chain(decorator.hash.values())
                    .all(|parameter| parameter_ok(parameter, scope, check))
                && decorator
                    .template
                    .as_ref()
                    .is_none_or(|child| template_ok(child, inner, check))
        }
        _ => false,
    })
}

fn helper_ok(helper: &HelperTemplate, scope: usize, block: bool, check: &mut Check) -> bool {
    let name = helper.name.as_name().unwrap_or("");
    let first_is_messages = matches!(helper.params.first(), Some(Parameter::Path(_)))
        && helper.params.first().and_then(Parameter::as_name) == Some(MESSAGES);
    let supported = check.allow
        && scope == 0
        && first_is_messages
        && match name {
            "each" => block && helper.block_param.is_none(),
            // The placeholders are as many as the messages: as true or false as they are.
            "if" | "unless" => block,
            "count" => !block,
            "len" => {
                check.len = true;
                !block
            }
            _ => false,
        };
    let params_ok = helper
        .params
        .iter()
        .enumerate()
        .all(|(index, parameter)| (supported && index == 0) || parameter_ok(parameter, scope, check))
        && helper
            .hash
            .values()
            .all(|parameter| parameter_ok(parameter, scope, check))
        // `{{messages}}` or `{{this}}` is a name without parameters, whatever the parser made
        // of it; a helper's name is a plain word.
        && if helper.params.is_empty() && helper.hash.is_empty() {
            path_ok(&helper.name, scope)
        } else {
            matches!(helper.name, Parameter::Name(_)) || parameter_ok(&helper.name, scope, check)
        };
    if !params_ok {
        return false;
    }
    let inner = if keeps_context(name) {
        scope
    } else {
        scope + 1
    };
    helper
        .template
        .iter()
        .chain(helper.inverse.iter())
        .all(|child| template_ok(child, inner, check))
}

fn parameter_ok(parameter: &Parameter, scope: usize, check: &mut Check) -> bool {
    match parameter {
        Parameter::Path(_) | Parameter::Name(_) => path_ok(parameter, scope),
        Parameter::Literal(Value::String(text)) => !text.split('.').any(|part| part == MESSAGES),
        Parameter::Literal(_) => true,
        Parameter::Subexpression(subexpression) => match subexpression.element.as_ref() {
            // `(count messages)` would count the placeholders: only `{{count messages}}` on its
            // own is rewritten.
            TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => {
                helper.name.as_name() != Some("count") && helper_ok(helper, scope, false, check)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A path is fine unless it names `messages` (in any position), the whole data (`this` or `.`
/// at the top, `@root`) or climbs out of a block to one of those.
fn path_ok(parameter: &Parameter, scope: usize) -> bool {
    let Some(raw) = parameter.as_name() else {
        return true;
    };
    let segments: Vec<&str> = raw
        .split(['.', '/', '[', ']'])
        .filter(|segment| !segment.is_empty())
        .collect();
    if segments.contains(&MESSAGES) || raw.starts_with("@root") {
        return false;
    }
    let climbed = raw.starts_with("..");
    let rest: Vec<&&str> = segments
        .iter()
        .filter(|segment| **segment != ".." && **segment != "this")
        .collect();
    !(rest.is_empty() && (scope == 0 || climbed))
}

fn rewrite_template(template: &mut Template) {
    for element in &mut template.elements {
        match element {
            TemplateElement::Expression(helper)
            | TemplateElement::HtmlExpression(helper)
            | TemplateElement::HelperBlock(helper) => rewrite_helper(helper),
            TemplateElement::DecoratorBlock(decorator)
            | TemplateElement::PartialBlock(decorator) => {
                if let Some(child) = &mut decorator.template {
                    rewrite_template(child);
                }
            }
            _ => {}
        }
    }
}

fn rewrite_helper(helper: &mut HelperTemplate) {
    let on_messages = helper.params.first().and_then(Parameter::as_name) == Some(MESSAGES);
    match helper.name.as_name() {
        Some("each") if on_messages && helper.template.is_some() => {
            helper.name = Parameter::Name(EACH.to_owned());
        }
        Some("count") if on_messages && helper.template.is_none() => {
            helper.name = Parameter::Name(COUNT.to_owned());
        }
        _ => {}
    }
    for child in helper.template.iter_mut().chain(helper.inverse.iter_mut()) {
        rewrite_template(child);
    }
}

/// `{{#each messages}}` over the checkpoint's messages, one message's data at a time.
pub(crate) struct EachMessage<'a> {
    pub(crate) messages: &'a [Message],
}

impl HelperDef for EachMessage<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        helper: &Helper<'rc>,
        registry: &'reg Handlebars<'reg>,
        context: &'rc Context,
        render: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(template) = helper.template() else {
            return Ok(());
        };
        if self.messages.is_empty() {
            if let Some(inverse) = helper.inverse() {
                inverse.render(registry, context, render, out)?;
            }
            return Ok(());
        }
        // Each message's block renders in a render of its own, over the data with that one
        // message at `messages.0`: paths then read the data in place. (Inside the outer
        // render, a block's own value or a replaced context is copied each time a path reads
        // it, and a message with large tool-call arguments was copied over and over.)
        let mut data = context.data().clone();
        let placeholders = set_messages(&mut data, Value::Null);
        let current = render.get_current_template_name();
        let last = self.messages.len() - 1;
        for (index, message) in self.messages.iter().enumerate() {
            let one = Value::Array(vec![crate::data::message_data(index, message)]);
            set_messages(&mut data, one);
            let mut scoped = Context::from(data);
            {
                let mut inner = RenderContext::new(render.get_root_template_name());
                inner.set_current_template_name(current);
                let mut block = BlockContext::new();
                *block.base_path_mut() = vec![MESSAGES.to_owned(), "0".to_owned()];
                block.set_local_var("first", Value::Bool(index == 0));
                block.set_local_var("last", Value::Bool(index == last));
                block.set_local_var("index", Value::from(index));
                inner.push_block(block);
                template.render(registry, &scoped, &mut inner, out)?;
            }
            data = std::mem::take(scoped.data_mut());
        }
        drop(placeholders);
        Ok(())
    }
}

/// Puts `messages` into `data` (the root object), returning what was there.
fn set_messages(data: &mut Value, messages: Value) -> Value {
    match data.as_object_mut() {
        Some(root) => root
            .insert(MESSAGES.to_owned(), messages)
            .unwrap_or(Value::Null),
        None => Value::Null,
    }
}

/// `{{count messages [role="..."]}}` over the checkpoint's messages.
pub(crate) struct CountMessages<'a> {
    pub(crate) messages: &'a [Message],
}

impl HelperDef for CountMessages<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        helper: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let role = match helper.hash_get("role").map(|role| role.value()) {
            None => None,
            Some(Value::String(role)) if role.is_empty() => None,
            Some(Value::String(role)) => Some(role.as_str()),
            Some(other) => {
                return Err(RenderError::from(RenderErrorReason::Other(format!(
                    "count: role must be a string, got {other}"
                ))));
            }
        };
        let count = self
            .messages
            .iter()
            .filter(|message| role.is_none_or(|role| message.role.as_str() == role))
            .count();
        out.write(&count.to_string())?;
        Ok(())
    }
}
