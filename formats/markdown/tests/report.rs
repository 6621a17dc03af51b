//! The Markdown report: the default template on real checkpoints, content safety, user
//! templates and their errors, and the documented data model.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{Checkpoint, Encode, EncodeOptions, Message, Role};
use confab_format_markdown::{FORMAT, Renderer, template_data};
use proptest::prelude::*;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

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

/// GitHub's flavour of Markdown, where reports are mostly read.
fn github() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// What a reader sees of each message section (from one `###` heading to the next), parsed with
/// `options`: its text, inline code, code blocks (and their info strings) and raw HTML, in order.
fn message_sections(markdown: &str, options: Options) -> Vec<String> {
    let mut sections: Vec<String> = Vec::new();
    let mut in_message_heading = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H3,
                ..
            }) => {
                sections.push(String::new());
                in_message_heading = true;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H3)) => in_message_heading = false,
            Event::Text(text)
            | Event::Code(text)
            | Event::Html(text)
            | Event::InlineHtml(text)
            | Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(text)))
                if !in_message_heading =>
            {
                if let Some(section) = sections.last_mut() {
                    section.push_str(&text);
                    section.push(' ');
                }
            }
            _ => {}
        }
    }
    sections
}

/// The words of `text`; numbers are left out, since `1.` may be a list's marker.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().any(char::is_alphabetic))
        .collect()
}

/// Whether the report, read as CommonMark and as GitHub reads it, has the title, `Conversation`
/// and one `###` section per message as its only headings down to `###`, and each message's
/// words, in order, in its own section. The reason when not.
fn structure_holds(report: &str, messages: &[Message]) -> Result<(), String> {
    for options in [Options::empty(), github()] {
        let top: Vec<(HeadingLevel, String)> = headings_with(report, options)
            .into_iter()
            .filter(|(level, _)| *level <= HeadingLevel::H3)
            .collect();
        if top.len() != messages.len() + 2 {
            return Err(format!(
                "{options:?}: title, Conversation and one heading per message, got {top:?}"
            ));
        }
        let sections = message_sections(report, options);
        for (number, (message, section)) in messages.iter().zip(&sections).enumerate() {
            let mut seen = words(section).into_iter();
            for word in words(&message.content) {
                if !seen.any(|found| found == word) {
                    return Err(format!(
                        "{options:?}: message {} lost {word:?} from its section: {section:?}",
                        number + 1
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Every heading of a document read with `options`, with its level and text.
fn headings_with(markdown: &str, options: Options) -> Vec<(HeadingLevel, String)> {
    let mut found = Vec::new();
    let mut current: Option<(HeadingLevel, String)> = None;
    for event in Parser::new_ext(markdown, options) {
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

/// The HTML a Markdown viewer shows for `markdown` (pulldown-cmark, with GitHub's extensions).
fn rendered(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, github()));
    html
}

/// A session of these messages.
fn session_of(contents: &[(Role, &str)]) -> Checkpoint {
    let mut example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
    example.messages = contents
        .iter()
        .map(|(role, content)| Message::new(*role, *content))
        .collect();
    example.statistics = Some(confab_core::Statistics::of(&example.messages));
    example
}

const HOSTILE: &[(Role, &str)] = &[
    (Role::User, "```\nunclosed fence"),
    (
        Role::Assistant,
        "````rust\nfn main() {}\n````\n```\nand a short one\n```",
    ),
    (Role::User, "~~~\ntilde fence\n~~~"),
    (
        Role::Assistant,
        "# A heading in the content\n## and another\n###### and the deepest",
    ),
    (Role::User, "`````````` ten backticks ``````````"),
    (Role::Assistant, "ends with backticks ```"),
    (
        Role::User,
        "<details><summary>html</summary>\n\n# heading\n</details>",
    ),
    (
        Role::Assistant,
        "\n\nleading and trailing blank lines\n\n\n",
    ),
    (Role::User, ""),
    (
        Role::Assistant,
        "~~~~~~ python\nunclosed tildes\n### 12. User",
    ),
    (Role::User, "### 12. User\n\nlooks like the next message"),
    (
        Role::Assistant,
        "Setext title\n============\n\nand its part\n---",
    ),
    (Role::User, "<!-- an open comment\n\n### 14. Assistant"),
    (Role::Assistant, "<script>\nlet x = 1;\n\n### 15. User"),
    (
        Role::User,
        "<details open>\n<summary>folded</summary>\n\nnever closed",
    ),
    (
        Role::Assistant,
        "[docs]: https://evil.example\n\nsee [docs]\n\n[^n]: a footnote",
    ),
    (Role::User, "read [docs] and the note[^n]"),
    (
        Role::Tool,
        "```\ntool output with an open fence\n# and a heading",
    ),
    (
        Role::System,
        "---\ntitle: front matter?\n---\n\nsystem text",
    ),
];

#[test]
fn hostile_messages_never_break_the_report() {
    let example = session_of(HOSTILE);
    let report = default_report(&example);
    if let Err(reason) = structure_holds(&report, &example.messages) {
        panic!("{reason}\n{report}");
    }
    // A definition in one message does not decide where another's links go.
    let page = rendered(&report);
    assert!(!page.contains("evil.example\""), "{page}");
    // Tool output is fenced, byte for byte.
    let tool = "```\ntool output with an open fence\n# and a heading\n";
    assert!(code_blocks(&report).iter().any(|block| block == tool));
    // HTML left open is closed in the message.
    assert_eq!(
        page.matches("<details").count(),
        page.matches("</details>").count(),
        "{page}"
    );
}

#[test]
fn the_rendered_view_of_reports() {
    let mut example = checkpoint("examples/incident-review.json");
    example.context = Some(confab_core::Context {
        project_instructions: Some("# Payments\nNever restart the primary.\n".to_owned()),
        files_accessed: vec!["db/schema.sql".to_owned()],
        working_directory: Some("/srv/payments".to_owned()),
    });
    insta::assert_snapshot!("incident-review.html", rendered(&default_report(&example)));
    let hostile = default_report(&session_of(HOSTILE));
    insta::assert_snapshot!("hostile", hostile);
    insta::assert_snapshot!("hostile.html", rendered(&hostile));
}

/// One line of hostile Markdown.
fn hostile_line() -> impl Strategy<Value = String> {
    let word = "[a-z]{2,6}";
    let words = "[a-z]{2,6}( [a-z]{2,6}){0,3}";
    let simple = prop_oneof![
        (prop_oneof![Just('`'), Just('~')], 3..8usize, "[a-z]{0,4}")
            .prop_map(|(c, n, info)| format!("{}{info}", c.to_string().repeat(n))),
        (1..7usize, words).prop_map(|(n, text)| format!("{} {text}", "#".repeat(n))),
        (1..30usize, prop_oneof![Just("User"), Just("Assistant")])
            .prop_map(|(n, role)| format!("### {n}. {role}")),
        prop_oneof![
            Just("==="),
            Just("---"),
            Just("***"),
            Just("- - -"),
            Just("--")
        ]
        .prop_map(str::to_owned),
        prop_oneof![
            Just("<!--"),
            Just("-->"),
            Just("<script>"),
            Just("</script>"),
            Just("<pre>"),
            Just("<style>"),
            Just("<textarea>"),
            Just("<details>"),
            Just("</details>"),
            Just("<div>"),
            Just("<span>"),
            Just("<?php"),
            Just("<![CDATA["),
            Just("<!DOCTYPE html"),
        ]
        .prop_map(str::to_owned),
        (word, word).prop_map(|(label, path)| format!("[{label}]: https://evil.example/{path}")),
        (word, words).prop_map(|(label, text)| format!("[^{label}]: {text}")),
        words.prop_map(|text| format!("see [{text}] and [^{text}]")),
        words.prop_map(|text| text),
        Just(String::new()),
    ];
    (
        prop_oneof![
            Just(""),
            Just("> "),
            Just("- "),
            Just("1. "),
            Just("    "),
            Just("   ")
        ],
        simple,
    )
        .prop_map(|(prefix, line)| format!("{prefix}{line}"))
}

fn hostile_message() -> impl Strategy<Value = Message> {
    (
        prop_oneof![
            Just(Role::User),
            Just(Role::Assistant),
            Just(Role::System),
            Just(Role::Tool)
        ],
        // Lines end as Markdown allows: `\n`, `\r\n` or a lone `\r`.
        prop::collection::vec(
            (
                hostile_line(),
                prop_oneof![4 => Just("\n"), 1 => Just("\r\n"), 1 => Just("\r")],
            ),
            0..12,
        ),
    )
        .prop_map(|(role, lines)| {
            let content: String = lines.into_iter().map(|(line, end)| line + end).collect();
            Message::new(role, content)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a message holds, the report has one section per message and each message's
    /// words stay in its own section.
    #[test]
    fn any_content_stays_in_its_message(messages in prop::collection::vec(hostile_message(), 1..6)) {
        let mut example = checkpoint("tests/fixtures/atmos/eks-troubleshooting.json");
        example.messages = messages;
        example.statistics = Some(confab_core::Statistics::of(&example.messages));
        let report = default_report(&example);
        if let Err(reason) = structure_holds(&report, &example.messages) {
            prop_assert!(false, "{}\n{}", reason, report);
        }
        // And by rewriting, not by the fence `prose` falls back to (no generated info string
        // says `markdown`), unless a lone `\r`, on which readers disagree, has it fenced.
        let lone_cr = example
            .messages
            .iter()
            .any(|message| message.content.replace("\r\n", "").contains('\r'));
        prop_assert!(
            lone_cr || !report.contains("```markdown"),
            "fenced, not rewritten:\n{}",
            report
        );
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
