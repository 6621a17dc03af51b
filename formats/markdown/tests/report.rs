//! The Markdown report: the default template on real checkpoints, content safety, user
//! templates and their errors, and the documented data model.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{Checkpoint, Encode, EncodeOptions, Message, Role};
use confab_format_markdown::{FORMAT, Renderer, template_data};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

fn workspace(relative: &str) -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn checkpoint(relative: &str) -> Checkpoint {
    let path = workspace(relative);
    let bytes = std::fs::read(&path).expect("fixture");
    let format = confab_core::format_for_path(&path).expect("format");
    let decode = format.decoder().expect("a checkpoint format");
    confab_core::read_checkpoint(relative, &bytes, decode)
        .expect("valid checkpoint")
        .checkpoint
}

// Linking the formats used above.
use confab_format_json as _;
use confab_format_yaml as _;

fn render(checkpoint: &Checkpoint, options: &EncodeOptions) -> Result<String, String> {
    let mut out = Vec::new();
    FORMAT
        .encode(checkpoint, options, &mut out)
        .map_err(|error| error.to_string())?;
    Ok(String::from_utf8(out).expect("utf-8"))
}

fn default_report(checkpoint: &Checkpoint) -> String {
    render(checkpoint, &EncodeOptions::default()).expect("renders")
}

#[test]
fn default_report_of_the_atmos_fixtures() {
    insta::assert_snapshot!(
        "eks-troubleshooting",
        default_report(&checkpoint("tests/fixtures/atmos/eks-troubleshooting.json"))
    );
    insta::assert_snapshot!(
        "vpc-migration",
        default_report(&checkpoint("tests/fixtures/atmos/vpc-migration.yaml"))
    );
}

#[test]
fn default_report_with_context_tools_and_usage() {
    let mut example = checkpoint("examples/incident-review.json");
    example.context = Some(confab_core::Context {
        project_instructions: Some("# Payments\nNever restart the primary.\n".to_owned()),
        files_accessed: vec!["db/schema.sql".to_owned()],
        working_directory: Some("/srv/payments".to_owned()),
    });
    insta::assert_snapshot!("incident-review", default_report(&example));
}

/// Every heading of a document, with its level and text.
fn headings(markdown: &str) -> Vec<(HeadingLevel, String)> {
    let mut found = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => current = Some((level, String::new())),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, heading)) = current.as_mut() {
                    heading.push_str(&text);
                }
            }
            Event::End(TagEnd::Heading(_)) => found.extend(current.take()),
            _ => {}
        }
    }
    found
}

/// The text of every fenced code block.
fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => current = Some(String::new()),
            Event::Text(text) => {
                if let Some(block) = current.as_mut() {
                    block.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

#[test]
fn nested_fences_never_break_the_report() {
    let hostile = [
        "```\nunclosed fence",
        "````rust\nfn main() {}\n````\n```\nand a short one\n```",
        "~~~\ntilde fence\n~~~",
        "# A heading in the content\n## and another\n",
        "`````````` ten backticks ``````````",
        "ends with backticks ```",
        "<details><summary>html</summary>\n\n# heading\n</details>",
        "\n\nleading and trailing blank lines\n\n\n",
        "",
    ];
    let mut example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    example.messages = hostile
        .iter()
        .enumerate()
        .map(|(index, content)| {
            Message::new(
                if index % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                },
                *content,
            )
        })
        .collect();
    example.statistics = Some(confab_core::Statistics::of(&example.messages));
    let report = default_report(&example);

    let message_headings: Vec<_> = headings(&report)
        .into_iter()
        .filter(|(level, _)| *level == HeadingLevel::H3)
        .collect();
    assert_eq!(
        message_headings.len(),
        hostile.len(),
        "one heading per message:\n{report}"
    );
    let all_headings = headings(&report);
    assert_eq!(
        all_headings.len(),
        hostile.len() + 2,
        "title, Conversation, and the messages only: {all_headings:?}"
    );

    let blocks = code_blocks(&report);
    let non_empty: Vec<&&str> = hostile
        .iter()
        .filter(|content| !content.is_empty())
        .collect();
    assert_eq!(blocks.len(), non_empty.len());
    for (block, content) in blocks.iter().zip(non_empty) {
        let expected = if content.ends_with('\n') {
            content.to_string()
        } else {
            format!("{content}\n")
        };
        assert_eq!(block, &expected, "content survives byte for byte");
    }
}

fn temp_templates(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write template");
    }
    dir
}

fn options(dir: &tempfile::TempDir, template: &str) -> EncodeOptions {
    let dir_path = Utf8PathBuf::from_path_buf(dir.path().to_owned()).expect("utf-8");
    let mut options = EncodeOptions::default();
    options.template = Some(dir_path.join(template));
    options.template_dir = Some(dir_path);
    options
}

#[test]
fn user_templates_with_partials_and_helpers() {
    let dir = temp_templates(&[
        (
            "brief.hbs",
            "{{> header}}\n{{#each (only_role messages \"assistant\")}}- {{truncate content 20}}\n{{/each}}",
        ),
        (
            "header.hbs",
            "## {{upper session.name}} ({{count messages}} messages)\n",
        ),
    ]);
    let report = render(
        &checkpoint("tests/fixtures/atmos/eks-troubleshooting.json"),
        &options(&dir, "brief.hbs"),
    )
    .expect("renders");
    assert_eq!(
        report,
        "## EKS-TROUBLESHOOTING (4 messages)\n- Pending pods usually…\n- Raise `max_size` of …\n"
    );
}

#[test]
fn template_errors_name_the_file_line_and_column() {
    let example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    // Each template in a folder of its own: every template in a folder is loaded as a partial.
    let error = |template: &str, text: Option<&str>| {
        let dir = temp_templates(&text.map(|text| vec![(template, text)]).unwrap_or_default());
        render(&example, &options(&dir, template)).expect_err("fails")
    };

    let syntax = error(
        "syntax.hbs",
        Some("# {{session.name}}\n{{#each messages}}\n"),
    );
    assert!(
        syntax.contains("syntax.hbs:3:1: invalid Handlebars syntax"),
        "{syntax}"
    );
    let field = error(
        "field.hbs",
        Some("# {{session.name}}\n\n{{session.nmae}}\n"),
    );
    assert!(field.contains("field.hbs:3:1"), "{field}");
    assert!(field.contains("session.nmae"), "{field}");
    assert!(field.contains("docs/templates.md"), "{field}");
    let helper = error("helper.hbs", Some("{{shout session.name}}"));
    assert!(
        helper.contains("helper.hbs:1:1") && helper.contains("shout"),
        "{helper}"
    );
    let partial = error("partial.hbs", Some("{{> nowhere}}"));
    assert!(
        partial.contains("partial.hbs:1:1") && partial.contains("nowhere"),
        "{partial}"
    );
    let missing = error("missing.hbs", None);
    assert!(
        missing.contains("missing.hbs") && missing.contains("no such file"),
        "{missing}"
    );
}

#[test]
fn html_is_not_escaped() {
    let mut example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    example.session.name = "a<b>&c".to_owned();
    assert!(default_report(&example).starts_with("# a<b>&c\n"));
}

#[test]
fn the_data_model_documentation_is_exact() {
    let doc = std::fs::read_to_string(workspace("docs/templates.md")).expect("docs/templates.md");
    let start = doc
        .find("```json\n")
        .expect("the doc shows the data as JSON")
        + "```json\n".len();
    let end = start + doc[start..].find("\n```\n").expect("closed block") + 1;
    let documented: serde_json::Value =
        serde_json::from_str(&doc[start..end]).expect("valid JSON in the doc");
    let actual = template_data(&checkpoint("examples/incident-review.json"));
    assert_eq!(
        documented, actual,
        "docs/templates.md must show what templates receive"
    );
}

#[test]
fn a_renderer_can_be_reused() {
    let renderer = Renderer::new(None, None).expect("default template compiles");
    let example = checkpoint("tests/fixtures/atmos/vpc-migration.yaml");
    let mut first = Vec::new();
    let mut second = Vec::new();
    renderer.render(&example, &mut first).expect("renders");
    renderer
        .render(&example, &mut second)
        .expect("renders again");
    assert_eq!(first, second);
}

/// `template` rendered the way every report used to be: one registry, the whole data.
fn render_whole(template: &str, checkpoint: &Checkpoint) -> Result<String, String> {
    render_whole_with(template, &[], checkpoint)
}

/// [`render_whole`] with partials (name, text).
fn render_whole_with(
    template: &str,
    partials: &[(&str, &str)],
    checkpoint: &Checkpoint,
) -> Result<String, String> {
    let mut registry = handlebars::Handlebars::new();
    for (name, text) in partials {
        registry
            .register_partial(name, text)
            .map_err(|error| error.to_string())?;
    }
    registry.register_escape_fn(handlebars::no_escape);
    registry.set_strict_mode(true);
    confab_format_markdown::helpers::register(&mut registry);
    registry
        .render_template(template, &template_data(checkpoint))
        .map_err(|error| error.to_string())
}

/// `template` through a [`Renderer`], and whether it rendered one message at a time.
fn render_renderer(template: &str, checkpoint: &Checkpoint) -> (Result<String, String>, bool) {
    let dir = temp_templates(&[("main.hbs", template)]);
    let path = Utf8Path::from_path(dir.path())
        .expect("utf-8")
        .join("main.hbs");
    let renderer = Renderer::new(Some(&path), None).expect("compiles");
    let mut out = Vec::new();
    let result = renderer
        .render(checkpoint, &mut out)
        .map(|()| String::from_utf8(out).expect("utf-8"))
        .map_err(|error| error.to_string());
    (result, renderer.is_streamed())
}

#[test]
fn streamed_reports_are_the_reports_rendered_whole() {
    let mut example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    example.messages[1].archived = true;
    let mut empty = example.clone();
    empty.messages.clear();
    let streamed = [
        confab_format_markdown::DEFAULT_TEMPLATE,
        "{{#each messages}}{{@index}}/{{index}}/{{number}}{{#if @first}} first{{/if}}{{#if @last}} last{{/if}} {{role}} in {{../session.name}}\n{{/each}}",
        "{{count messages}} {{count messages role=\"user\"}} {{count messages role=\"tool\"}} {{len messages}}",
        "{{#if (gt (len messages) 1)}}several{{/if}}{{#unless messages}}none{{/unless}}",
        "{{#each messages}}{{#each tool_calls}}{{name}}={{json arguments}} ({{../role}}){{/each}}{{else}}none{{/each}}",
        "{{#if messages}}some{{else}}none{{/if}}{{#each messages}}{{#if archived}}[{{number}} archived]{{/if}}{{/each}}",
        "{{#each messages}}{{#if usage}}{{usage.input_tokens}}{{/if}}{{#with ../session}}{{name}}/{{model}}{{/with}}{{/each}}",
    ];
    for template in streamed {
        for checkpoint in [&example, &empty] {
            let (result, is_streamed) = render_renderer(template, checkpoint);
            assert!(is_streamed, "streams: {template}");
            assert!(result.is_ok(), "{template}: {result:?}");
            assert_eq!(
                result.ok(),
                render_whole(template, checkpoint).ok(),
                "{template}"
            );
        }
    }
    let whole = [
        "{{messages.0.content}}",
        "{{#each (last messages 2)}}{{role}}{{/each}}",
        "{{#each (only_role messages \"user\")}}{{role}}{{/each}}",
        "{{json this}}",
        "{{#each messages as |m|}}{{m.role}}{{/each}}",
        "{{#with (lookup messages 1)}}{{role}}{{/with}}",
        "{{#each session}}{{#each @root.messages}}{{role}}{{/each}}{{/each}}",
        "{{lookup this \"messages\"}}",
        "{{#if (gt (count messages) 1)}}several{{/if}}",
    ];
    for template in whole {
        let (result, is_streamed) = render_renderer(template, &example);
        assert!(!is_streamed, "renders whole: {template}");
        assert_eq!(
            result.ok(),
            render_whole(template, &example).ok(),
            "{template}"
        );
    }
}

#[test]
fn partials_render_alike_streamed_or_whole() {
    let example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    let render_with = |main: &str, partial: &str| {
        let dir = temp_templates(&[("main.hbs", main), ("line.hbs", partial)]);
        let path = Utf8Path::from_path(dir.path())
            .expect("utf-8")
            .join("main.hbs");
        let renderer = Renderer::new(Some(&path), None).expect("compiles");
        let mut out = Vec::new();
        renderer.render(&example, &mut out).expect("renders");
        (
            String::from_utf8(out).expect("utf-8"),
            renderer.is_streamed(),
        )
    };
    let main = "# {{session.name}}\n{{#each messages}}\n  {{> line}}\n{{/each}}\n";
    let (streamed, is_streamed) =
        render_with(main, "{{number}} {{role}} {{truncate content 10}}\n");
    assert!(is_streamed);
    let whole = render_whole_with(
        main,
        &[("line", "{{number}} {{role}} {{truncate content 10}}\n")],
        &example,
    )
    .expect("renders");
    assert_eq!(streamed, whole);
    // A partial that reads the messages makes the report render whole.
    let (_, is_streamed) = render_with("{{> line}}", "{{count messages}}");
    assert!(!is_streamed);
}
