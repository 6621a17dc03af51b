//! Runs the built-in redactor over the recall corpus (`redact/corpus/corpus.json`) and prints
//! one JSON line per case: what was found and whether any fragment of the secret is left.
//! `redact/corpus/recall.py` runs it beside detect-secrets and secretlint.
//!
//! `cargo run -q -p confab-redact --example recall -- redact/corpus/corpus.json`

use std::io::Write;
use std::process::ExitCode;

use confab_redact::Redactor;
use serde_json::{Value, json};

/// Keeps real-looking token prefixes out of the repository; removed before use.
const JOINER: &str = "‹›";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "recall: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let path = std::env::args().nth(1).ok_or("usage: recall CORPUS.json")?;
    let corpus: Value = std::fs::read_to_string(&path)
        .map_err(|error| error.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
        .map_err(|error| format!("cannot read {path}: {error}"))?;
    let redactor = Redactor::new(&[]).map_err(|error| error.to_string())?;
    let mut out = std::io::stdout().lock();
    let cases = corpus["cases"].as_array().cloned().unwrap_or_default();
    for case in cases {
        let text = case["text"]
            .as_str()
            .unwrap_or_default()
            .replace(JOINER, "");
        let redacted = redactor.redact_output(&text);
        let left: Vec<String> = case["secrets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|secret| secret.replace(JOINER, ""))
            .filter(|secret| redacted.text.contains(secret.as_str()))
            .collect();
        let kinds: Vec<String> = redacted
            .report
            .by_kind()
            .into_iter()
            .map(|(kind, _)| kind)
            .collect();
        let line = json!({"id": case["id"], "kinds": kinds, "left": left, "changed": redacted.text != text});
        writeln!(out, "{line}").map_err(|error| error.to_string())?;
    }
    Ok(())
}
