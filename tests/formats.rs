//! `confab formats` and `confab schema`.

use crate::util::Project;

#[test]
fn formats_lists_every_registered_format_with_its_abilities() {
    let project = Project::new();
    let output = project
        .confab()
        .arg("formats")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&output), @r"
    FORMAT        EXTENSIONS     CAN             DESCRIPTION
    claude-code   .jsonl         import          Claude Code session transcript, ~/.claude/projects/*/<session>.jsonl (import only)
    codex         .jsonl         import          Codex CLI rollout, ~/.codex/sessions/**/rollout-*.jsonl (import only)
    gemini        .gemini        import          Gemini CLI chat history, as `/chat share file.json` and `/chat save` write it (import only)
    json          .json          import, export  JSON checkpoint, as `atmos ai sessions export` writes it
    markdown, md  .md .markdown  export          Markdown report through a Handlebars template (export only)
    openai        .openai        import, export  OpenAI Chat Completions messages (a request body or a bare messages array)
    text, txt     .txt           export          Plain-text transcript, for pasting into a ticket or an email (export only)
    yaml, yml     .yaml .yml     import, export  YAML checkpoint, readable and reviewable by hand
    ");
}

#[test]
fn schema_prints_the_schema_file() {
    let project = Project::new();
    let printed = project
        .confab()
        .arg("schema")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let on_disk = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/checkpoint-v1.schema.json"),
    )
    .expect("schema file");
    assert_eq!(printed, on_disk);
}
