//! The page of a small fixed session, whole (the stylesheet and script, covered by their own
//! tests, stand in as placeholders), and its pieces on real data.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{Checkpoint, Encode, EncodeOptions};
use confab_format_html::{FORMAT, page};

// Linking the format the fixture is read with.
use confab_format_json as _;

fn fixture(relative: &str) -> Checkpoint {
    let path: Utf8PathBuf = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let bytes = std::fs::read(&path).expect("fixture");
    let format = confab_core::format_for_path(&path).expect("format");
    let decode = format.decoder().expect("a checkpoint format");
    confab_core::read_checkpoint(relative, &bytes, decode)
        .expect("valid checkpoint")
        .checkpoint
}

fn render(checkpoint: &Checkpoint) -> String {
    let mut out = Vec::new();
    FORMAT
        .encode(checkpoint, &EncodeOptions::default(), &mut out)
        .expect("renders");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn page_of_a_typical_session() {
    let page = render(&fixture("tests/fixtures/typical.json"));
    let shown = page
        .replace(page::STYLE, "/* page.css */")
        .replace(page::SCRIPT, "/* page.js */")
        .replace(
            &page::csp_hash(page::STYLE).replace('\'', "&#39;"),
            "&#39;sha256-STYLE&#39;",
        )
        .replace(
            &page::csp_hash(page::SCRIPT).replace('\'', "&#39;"),
            "&#39;sha256-SCRIPT&#39;",
        );
    insta::assert_snapshot!("typical", shown);
}

#[test]
fn the_typical_page_has_every_part() {
    let page = render(&fixture("tests/fixtures/typical.json"));
    // Header: name, provider/model, dates, counts, tokens, model changes.
    assert!(page.contains("<h1>incident-review</h1>"));
    assert!(page.contains("<dd>anthropic / claude-opus-4-1</dd>"));
    assert!(page.contains("2026-11-01 08:00 UTC"));
    assert!(page.contains("<dd>10 (3 user, 4 assistant)</dd>"));
    assert!(page.contains("<dd>7881 · 7522 in · 5900 cached · 359 out</dd>"));
    assert!(page.contains(
        "<li>2026-11-01 08:06 UTC: anthropic/claude-sonnet-4-6 → anthropic/claude-opus-4-1</li>"
    ));
    // The chart has one group of three bars per turn (three user turns).
    assert_eq!(page.matches("<rect class=\"bar-in\"").count(), 3);
    // Table of contents of the user turns, the archived one dimmed.
    assert!(page.contains("<li value=\"2\"><a href=\"#m2\">p99 latency"));
    assert!(page.contains("<li value=\"8\" class=\"archived\"><a href=\"#m8\">"));
    // The long tool result is folded with a summary; the short one is not.
    assert!(page.contains("<details class=\"long\"><summary>NAME                 READY STATUS    RESTARTS AGE (31 lines,"));
    assert!(!page.contains("<details class=\"long\"><summary>select * from ledger"));
    // Highlighted code, message headings under the page's.
    assert!(page.contains("<span class=\"hl-k\">def</span>"));
    assert!(page.contains("<span class=\"hl-del\">"));
    assert!(page.contains("<h4>Cause</h4>"));
    assert!(page.contains("<span class=\"model\">claude-opus-4-1</span>"));
}

fn doc() -> String {
    std::fs::read_to_string(
        Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/html-pages.md"),
    )
    .expect("docs/html-pages.md")
}

#[test]
fn the_documented_example_template_renders() {
    let doc = doc();
    let start = doc.find("```handlebars\n").expect("an example") + "```handlebars\n".len();
    let end = start + doc[start..].find("```\n").expect("closed block");
    let folder = tempfile::tempdir().expect("temp dir");
    let path = Utf8Path::from_path(folder.path())
        .expect("UTF-8")
        .join("answers.html.hbs");
    std::fs::write(&path, &doc[start..end]).expect("write");
    let mut options = EncodeOptions::default();
    options.template = Some(path);
    let mut out = Vec::new();
    FORMAT
        .encode(&fixture("tests/fixtures/typical.json"), &options, &mut out)
        .expect("the documented template renders");
    let page = String::from_utf8(out).expect("UTF-8");
    assert!(page.contains("<title>incident-review: answers</title>"));
    assert_eq!(
        page.matches("<article").count(),
        4,
        "the assistant's answers"
    );
}

#[test]
fn every_page_name_is_documented() {
    let doc = doc();
    let data = page::page_data(&fixture("tests/fixtures/typical.json"), "policy");
    let mut names: Vec<String> = data["page"]
        .as_object()
        .expect("page")
        .keys()
        .map(|key| format!("`page.{key}`"))
        .collect();
    let markdown = confab_format_markdown::template_data(&fixture("tests/fixtures/typical.json"));
    let message = data["messages"][2].as_object().expect("a message");
    let report_message = markdown["messages"][2].as_object().expect("a message");
    names.extend(
        message
            .keys()
            .filter(|key| !report_message.contains_key(*key))
            .map(|key| format!("`messages[].{key}`")),
    );
    let call = data["messages"][2]["tool_calls"][0]
        .as_object()
        .expect("a call");
    let report_call = markdown["messages"][2]["tool_calls"][0]
        .as_object()
        .expect("a call");
    names.extend(
        call.keys()
            .filter(|key| !report_call.contains_key(*key))
            .map(|key| format!("`messages[].tool_calls[].{key}`")),
    );
    assert!(names.len() > 10, "{names:?}");
    for name in names {
        assert!(
            doc.contains(&format!("| {name} |")),
            "{name} is not in docs/html-pages.md"
        );
    }
}
