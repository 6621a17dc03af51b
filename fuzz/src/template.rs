// Included as a module both by the fuzz crate and by the main test suite: no crate attributes.

//! The report template renderer on arbitrary input: a template, partials beside it and a
//! checkpoint, rendered through the Markdown format's user-template path (files on disk, as
//! `export --template` reads them). It must return a report or an error, never panic, and never
//! run out of stack, whatever the nesting (see `formats/markdown/src/bounds.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};

use camino::Utf8PathBuf;
use confab_core::{Checkpoint, Encode, EncodeOptions};

/// Separates the template from its partials and from the checkpoint in a fuzz input.
pub const TEMPLATE_SEPARATOR: u8 = 0x01;

/// Splits `data` as the template target reads it: `MAIN 0x01 PARTIAL 0x01 PARTIAL ... 0x01
/// CHECKPOINT`, the last part a JSON checkpoint (a fixed one when it does not decode). Partials
/// are named `p0`, `p1`, ... in order.
pub fn template_input(data: &[u8]) -> (Vec<String>, Option<Checkpoint>) {
    let mut parts: Vec<&[u8]> = data.split(|byte| *byte == TEMPLATE_SEPARATOR).collect();
    let checkpoint = if parts.len() > 1 {
        parts.pop().and_then(|bytes| {
            confab_core::read_checkpoint("fuzz", bytes, &confab_format_json::FORMAT)
                .ok()
                .map(|imported| imported.checkpoint)
        })
    } else {
        None
    };
    let texts = parts
        .into_iter()
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect();
    (texts, checkpoint)
}

/// The checkpoint rendered when the input brings none that decodes.
fn fallback_checkpoint() -> Checkpoint {
    let json = br#"{"version":"1.0","session":{"name":"fuzz","provider":"openai","model":"gpt-4o"},
        "messages":[{"role":"user","content":"hi ``` there"},{"role":"assistant","content":"ok",
        "tool_calls":[{"id":"c1","name":"run","arguments":{"a":[1,{"b":null}]}}]}]}"#;
    confab_core::read_checkpoint("fuzz", json, &confab_format_json::FORMAT)
        .expect("the fallback checkpoint reads")
        .checkpoint
}

/// Renders the template `texts[0]` with the partials `texts[1..]` over `checkpoint` (the
/// fallback when `None`), through `MarkdownFormat::encode` with the template as a file.
pub fn render_template(texts: &[String], checkpoint: Option<Checkpoint>) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let Some((main, partials)) = texts.split_first() else {
        return;
    };
    let folder = std::env::temp_dir().join(format!(
        "confab-fuzz-template-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let folder = Utf8PathBuf::from_path_buf(folder).expect("a UTF-8 temporary folder");
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    for (index, partial) in partials.iter().enumerate() {
        std::fs::write(folder.join(format!("p{index}.hbs")), partial).expect("write a partial");
    }
    let template = folder.join("main.hbs");
    std::fs::write(&template, main).expect("write the template");

    let checkpoint = checkpoint.unwrap_or_else(fallback_checkpoint);
    let mut options = EncodeOptions::new();
    options.template = Some(template);
    options.template_dir = Some(folder.join("templates"));
    let mut out = Vec::new();
    let result = confab_format_markdown::FORMAT.encode(&checkpoint, &options, &mut out);
    if result.is_ok() {
        std::hint::black_box(&out);
    }
    let _ = std::fs::remove_dir_all(&folder);
}

/// The fuzz target's body: [`template_input`], then [`render_template`].
pub fn template_renderer(data: &[u8]) {
    let (texts, checkpoint) = template_input(data);
    render_template(&texts, checkpoint);
}

/// The `prose` helper on arbitrary message content, the level of the heading above it taken from
/// the first byte: whatever the content, what `prose` writes must stay under that heading (no
/// heading of its level or above, nothing left open to swallow the next message).
pub fn prose_stays_in_its_message(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let level = 1 + usize::from(*first) % 5;
    let content = String::from_utf8_lossy(rest);
    let written = confab_format_markdown::prose::prose(&content, level);
    assert!(
        confab_format_markdown::prose::stays_inside(&written, level),
        "{content:?} at level {level} was written as {written:?}"
    );
}
