//! The recall corpus (`redact/corpus/corpus.json`, also run beside detect-secrets and secretlint
//! by `redact/corpus/recall.py`): every positive is redacted whole, as its kind, through both
//! the text and the final-output entry points, and every look-alike is left exactly as it is.

use serde_json::Value;

use super::REDACTOR;

const CORPUS: &str = include_str!("../../corpus/corpus.json");

/// Keeps real-looking token prefixes out of the repository; removed before use.
const JOINER: &str = "‹›";

/// Kinds the corpus holds that confab deliberately has no rule for (none today).
const NOT_DETECTED: &[&str] = &[];

#[test]
fn every_corpus_secret_is_redacted_whole_and_every_look_alike_is_untouched() {
    let corpus: Value = serde_json::from_str(CORPUS).expect("the corpus is JSON");
    let cases = corpus["cases"].as_array().expect("cases");
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let text = case["text"].as_str().expect("text").replace(JOINER, "");
        let redacted = REDACTOR.redact_output(&text);
        match case["kind"].as_str() {
            Some(kind) if NOT_DETECTED.contains(&kind) => {}
            Some(kind) => {
                let secrets = case["secrets"].as_array().expect("secrets");
                assert!(!secrets.is_empty(), "{id} names its secret");
                for secret in secrets {
                    let secret = secret.as_str().expect("secret").replace(JOINER, "");
                    if redacted.text.contains(&secret) {
                        failures.push(format!("{id}: {secret:?} left in {:?}", redacted.text));
                    }
                }
                if redacted.report.count(kind) == 0 {
                    failures.push(format!("{id}: no {kind} in {}", redacted.report));
                }
            }
            None => {
                if redacted.text != text {
                    failures.push(format!("{id}: look-alike changed to {:?}", redacted.text));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
