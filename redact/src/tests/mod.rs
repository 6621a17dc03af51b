//! Tests of the detectors, the engine and the checkpoint walk.
//!
//! Secrets are built at run time ([`body`], `format!`) rather than written out, so that the
//! source holds nothing a secret scanner would flag; they are fake all the same.

mod checkpoint;
mod corpus;
mod detectors;
mod engine;
mod families;
mod values;

use std::sync::LazyLock;

use crate::{Redactor, Report};

/// The built-in redactor, compiled once for all tests.
static REDACTOR: LazyLock<Redactor> =
    LazyLock::new(|| Redactor::new(&[]).expect("the built-in detectors compile"));

/// `len` characters of a random-looking secret: letters of both cases and digits.
fn body(len: usize) -> String {
    const CHARS: &[u8] = b"Q7x2Lm9Pz4Rk8Vw3Nb6Tj5Hc1Gd0FsYe";
    (0..len)
        .map(|i| char::from(CHARS[(i * 7 + i / CHARS.len()) % CHARS.len()]))
        .collect()
}

/// The jwt.io example token.
fn jwt() -> String {
    [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
    .join(".")
}

/// AWS's documented example access key id and secret.
fn aws_key_id() -> String {
    format!("AKIA{}", "IOSFODNN7EXAMPLE")
}

fn aws_secret() -> String {
    format!("wJalrXUtnFEMI/K7MDENG/{}", "bPxRfiCYEXAMPLEKEY")
}

/// Redacts `text` with the built-in redactor.
fn redact(text: &str) -> (String, Report) {
    let mut report = Report::new();
    let out = REDACTOR.redact_text(text, &mut report).into_owned();
    (out, report)
}

/// Asserts that `secret` is gone from `text`, replaced by a `kind` placeholder, and returns the
/// redacted text.
#[track_caller]
fn assert_redacted(text: &str, secret: &str, kind: &str) -> String {
    let (out, report) = redact(text);
    assert!(!out.contains(secret), "secret left in {out:?}");
    assert!(
        out.contains(&format!("[REDACTED:{kind}]")),
        "no {kind} placeholder in {out:?} (report: {report})"
    );
    assert!(report.count(kind) >= 1, "{kind} not counted: {report}");
    out
}

/// Asserts that nothing in `text` is redacted.
#[track_caller]
fn assert_untouched(text: &str) {
    let (out, report) = redact(text);
    assert_eq!(out, text, "changed ({report})");
    assert!(report.is_empty(), "counted: {report}");
}

/// Asserts that no `kind` secret is found in `text` (other detectors may still act).
#[track_caller]
fn assert_not_kind(text: &str, kind: &str) {
    let (out, report) = redact(text);
    assert_eq!(report.count(kind), 0, "{kind} found in {text:?}: {out:?}");
}
