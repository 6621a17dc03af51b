//! The helpers report templates can call, beside Handlebars' own (`if`, `each`, `with`,
//! `lookup`, `eq`, `ne`, `gt`, `lt`, `and`, `or`, `not`, `len`).
//!
//! | helper | example | result |
//! |---|---|---|
//! | `time` | `{{time created_at}}` | `2025-10-29 15:20:05 UTC` |
//! |  | `{{time created_at "%d %b %Y %H:%M" tz="Europe/Berlin"}}` | `29 Oct 2025 16:20` |
//! | `upper`, `lower` | `{{upper role}}` | `ASSISTANT` |
//! | `truncate` | `{{truncate content 40}}` | the first 40 characters, then `…` |
//! | `prose` | `{{prose content level=3}}` | the content as Markdown that stays under a heading of that level |
//! | `fence` | `{{fence content lang="text"}}` | a fenced code block that no content can break |
//! | `json` | `{{json session.metadata}}` | the value as pretty JSON |
//! | `role_label` | `{{role_label role}}` | `User`, `Assistant`, `System`, `Tool` |
//! | `count` | `{{count messages role="user"}}` | how many messages (with that role) |
//! | `only_role` | `{{#each (only_role messages "assistant")}}` | the messages with that role |
//! | `skip_archived` | `{{#each (skip_archived messages)}}` | the messages not archived |
//! | `last` | `{{#each (last messages 5)}}` | the last 5 items |
//!
//! `time` takes an RFC 3339 timestamp (or null, which renders nothing), a strftime pattern
//! (default `%Y-%m-%d %H:%M:%S %Z`) and an IANA time zone (default `UTC`).
//!
//! `prose` takes the level of the heading the content sits under (1 to 5, default 3, the default
//! template's message headings); what it changes is described in [`crate::prose`].

// `handlebars_helper!` defines a public unit struct per helper; they are only registered here.
#![allow(missing_docs, unreachable_pub)]

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason, handlebars_helper,
};
use serde_json::Value;

/// Registers every confab helper on `registry`.
pub fn register(registry: &mut Handlebars<'_>) {
    registry.register_helper("time", Box::new(time));
    registry.register_helper("upper", Box::new(upper));
    registry.register_helper("lower", Box::new(lower));
    registry.register_helper("truncate", Box::new(truncate));
    registry.register_helper("prose", Box::new(prose));
    registry.register_helper("fence", Box::new(fence));
    registry.register_helper("json", Box::new(json));
    registry.register_helper("role_label", Box::new(role_label));
    registry.register_helper("count", Box::new(count));
    registry.register_helper("only_role", Box::new(only_role));
    registry.register_helper("skip_archived", Box::new(skip_archived));
    registry.register_helper("last", Box::new(last));
}

handlebars_helper!(upper: |text: str| text.to_uppercase());
handlebars_helper!(lower: |text: str| text.to_lowercase());

handlebars_helper!(truncate: |text: str, length: u64| {
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    match text.char_indices().nth(length) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
});

handlebars_helper!(fence: |content: str, { lang: str = "" }| fenced(content, lang));

/// `{{prose content level=N}}`.
fn prose(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let content = match helper.param(0).map(|param| param.value()) {
        Some(Value::String(content)) => content.as_str(),
        Some(Value::Null) => return Ok(()),
        Some(other) => {
            return Err(RenderError::from(RenderErrorReason::Other(format!(
                "prose: expected text, got {other}"
            ))));
        }
        None => return Err(RenderErrorReason::ParamNotFoundForIndex("prose", 0).into()),
    };
    let level = match helper.hash_get("level").map(|level| level.value()) {
        None => 3,
        Some(value) => match value.as_u64().and_then(|level| usize::try_from(level).ok()) {
            Some(level) if crate::prose::LEVELS.contains(&level) => level,
            _ => {
                return Err(RenderError::from(RenderErrorReason::Other(format!(
                    "prose: level must be the level of the heading above the content, 1 to 5, \
                     got {value}"
                ))));
            }
        },
    };
    out.write(&crate::prose::prose(content, level))?;
    Ok(())
}

handlebars_helper!(json: |value: Json| serde_json::to_string_pretty(value).unwrap_or_default());

handlebars_helper!(role_label: |role: str| match role {
    "user" => "User".to_owned(),
    "assistant" => "Assistant".to_owned(),
    "system" => "System".to_owned(),
    "tool" => "Tool".to_owned(),
    other => other.to_owned(),
});

handlebars_helper!(count: |items: array, { role: str = "" }| {
    items.iter().filter(|item| role.is_empty() || item.get("role").and_then(Value::as_str) == Some(role)).count()
});

handlebars_helper!(only_role: |items: array, role: str| {
    Value::Array(items.iter().filter(|item| item.get("role").and_then(Value::as_str) == Some(role)).cloned().collect())
});

handlebars_helper!(skip_archived: |items: array| {
    Value::Array(items.iter().filter(|item| item.get("archived") != Some(&Value::Bool(true))).cloned().collect())
});

handlebars_helper!(last: |items: array, n: u64| {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    Value::Array(items[items.len().saturating_sub(n)..].to_vec())
});

/// `content` in a code fence longer than any run of backticks inside it, so nothing in the
/// content can close the fence early.
pub fn fenced(content: &str, lang: &str) -> String {
    let longest_run = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let marker = "`".repeat(longest_run.max(2) + 1);
    // An info string may not contain backticks.
    let lang: String = lang
        .chars()
        .filter(|c| *c != '`' && !c.is_whitespace())
        .collect();
    let newline = if content.is_empty() || content.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{marker}{lang}\n{content}{newline}{marker}")
}

/// `{{time value [pattern] [tz=ZONE]}}`.
fn time(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = helper
        .param(0)
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("time", 0))?
        .value();
    let text = match value {
        Value::Null => return Ok(()),
        Value::String(text) => text,
        other => {
            return Err(RenderError::from(RenderErrorReason::Other(format!(
                "time: expected a timestamp, got {other}"
            ))));
        }
    };
    let timestamp: jiff::Timestamp = text.parse().map_err(|error| {
        RenderErrorReason::Other(format!(
            "time: {text:?} is not an RFC 3339 timestamp: {error}"
        ))
    })?;
    let pattern = match helper.param(1).map(|param| param.value()) {
        Some(Value::String(pattern)) => pattern.as_str(),
        Some(other) => {
            return Err(RenderError::from(RenderErrorReason::Other(format!(
                "time: the pattern must be a string, got {other}"
            ))));
        }
        None => "%Y-%m-%d %H:%M:%S %Z",
    };
    let zone_name = match helper.hash_get("tz").map(|tz| tz.value()) {
        Some(Value::String(zone)) => zone.as_str(),
        Some(other) => {
            return Err(RenderError::from(RenderErrorReason::Other(format!(
                "time: tz must be a time zone name, got {other}"
            ))));
        }
        None => "UTC",
    };
    let zone = jiff::tz::TimeZone::get(zone_name).map_err(|error| {
        RenderErrorReason::Other(format!("time: unknown time zone {zone_name:?}: {error}"))
    })?;
    let formatted = timestamp
        .to_zoned_datetime(zone)
        .strftime(pattern)
        .to_string();
    out.write(&formatted)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(template: &str, data: &Value) -> String {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(handlebars::no_escape);
        registry.set_strict_mode(true);
        register(&mut registry);
        registry.render_template(template, data).expect("renders")
    }

    #[test]
    fn every_documented_example_renders_as_documented() {
        let data = json!({
            "created_at": "2025-10-29T15:20:05Z",
            "role": "assistant",
            "content": "abcdefghijklmnopqrstuvwxyz0123456789abcdefghij",
            "session": {"metadata": {"ticket": "NET-412"}},
            "messages": [
                {"role": "user", "archived": true},
                {"role": "assistant", "archived": false},
                {"role": "user", "archived": false}
            ]
        });
        assert_eq!(
            render("{{time created_at}}", &data),
            "2025-10-29 15:20:05 UTC"
        );
        assert_eq!(
            render(
                r#"{{time created_at "%d %b %Y %H:%M" tz="Europe/Berlin"}}"#,
                &data
            ),
            "29 Oct 2025 16:20"
        );
        assert_eq!(render("{{upper role}}", &data), "ASSISTANT");
        assert_eq!(render("{{lower (upper role)}}", &data), "assistant");
        assert_eq!(
            render("{{truncate content 40}}", &data),
            "abcdefghijklmnopqrstuvwxyz0123456789abcd…"
        );
        assert_eq!(render("{{truncate role 40}}", &data), "assistant");
        assert_eq!(
            render("{{json session.metadata}}", &data),
            "{\n  \"ticket\": \"NET-412\"\n}"
        );
        assert_eq!(render("{{role_label role}}", &data), "Assistant");
        assert_eq!(
            render(
                r#"{{count messages role="user"}}/{{count messages}}"#,
                &data
            ),
            "2/3"
        );
        assert_eq!(
            render(
                r#"{{#each (only_role messages "assistant")}}{{role}}{{/each}}"#,
                &data
            ),
            "assistant"
        );
        assert_eq!(
            render(
                "{{#each (skip_archived messages)}}{{role}} {{/each}}",
                &data
            ),
            "assistant user "
        );
        assert_eq!(
            render("{{#each (last messages 2)}}{{role}} {{/each}}", &data),
            "assistant user "
        );
        assert_eq!(
            render(
                "{{len messages}} {{#if (eq role \"assistant\")}}yes{{/if}}",
                &data
            ),
            "3 yes"
        );
    }

    #[test]
    fn time_renders_nothing_for_null_and_refuses_nonsense() {
        assert_eq!(
            render("[{{time nothing}}]", &json!({"nothing": null})),
            "[]"
        );
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        register(&mut registry);
        let error = registry
            .render_template(
                "{{time t tz=\"Mars/Olympus\"}}",
                &json!({"t": "2025-01-01T00:00:00Z"}),
            )
            .expect_err("unknown zone");
        assert!(error.to_string().contains("Mars/Olympus"), "{error}");
    }

    #[test]
    fn prose_nests_under_the_given_level_and_refuses_others() {
        let data = json!({"content": "# Title\n\ntext", "nothing": null});
        assert_eq!(
            render("{{prose content level=3}}", &data),
            "#### Title\n\ntext"
        );
        assert_eq!(render("{{prose content}}", &data), "#### Title\n\ntext");
        assert_eq!(
            render("{{prose content level=1}}", &data),
            "## Title\n\ntext"
        );
        assert_eq!(render("[{{prose nothing}}]", &data), "[]");
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        register(&mut registry);
        for bad in ["level=6", "level=0", "level=\"3\""] {
            let error = registry
                .render_template(&format!("{{{{prose content {bad}}}}}"), &data)
                .expect_err("a level out of range");
            assert!(error.to_string().contains("1 to 5"), "{error}");
        }
    }

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fenced("plain", ""), "```\nplain\n```");
        assert_eq!(fenced("a ``` b\n", "md"), "````md\na ``` b\n````");
        assert_eq!(fenced("``````", ""), "```````\n``````\n```````");
        assert_eq!(fenced("", "x`y z"), "```xyz\n```");
    }
}
