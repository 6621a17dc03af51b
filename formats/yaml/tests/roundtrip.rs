//! YAML checkpoints survive encode → decode: any checkpoint comes back equal, whatever its
//! strings look like to a YAML parser.

use confab_core::{Checkpoint, Encode, EncodeOptions, arbitrary, read_checkpoint};
use confab_format_yaml::FORMAT;
use proptest::prelude::*;

type FormatType = confab_format_yaml::YamlFormat;

fn round_trip(format: &FormatType, checkpoint: &Checkpoint) -> Result<Checkpoint, String> {
    let mut bytes = Vec::new();
    format
        .encode(checkpoint, &EncodeOptions::new(), &mut bytes)
        .map_err(|error| format!("encode: {error}"))?;
    read_checkpoint("generated", &bytes, format)
        .map(|imported| imported.checkpoint)
        .map_err(|invalid| {
            format!(
                "{invalid}: {:?}\n{}",
                invalid.problems,
                String::from_utf8_lossy(&bytes)
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn yaml_round_trips(checkpoint in arbitrary::checkpoint()) {
        prop_assert_eq!(round_trip(&FORMAT, &checkpoint), Ok(checkpoint));
    }
}

#[test]
fn who_created_and_changed_a_session_is_written_when_known_and_read_back() {
    let text = "version: '1.0'
session:
  name: eks
  provider: openai
  model: gpt-4o
  created_at: 2026-01-01T00:00:00Z
  created_by: ana
  updated_by: Björn Ström
messages:
- role: user
  content: Pods are Pending
"
    .as_bytes();
    let checkpoint = read_checkpoint("eks", text, &FORMAT)
        .expect("valid")
        .checkpoint;
    let mut out = Vec::new();
    FORMAT
        .encode(&checkpoint, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    let written = String::from_utf8(out.clone()).expect("utf-8");
    assert!(written.contains("created_by: ana"), "{written}");
    assert!(written.contains("updated_by: Björn Ström"), "{written}");
    let back = read_checkpoint("eks", &out, &FORMAT)
        .expect("valid")
        .checkpoint;
    assert_eq!(back, checkpoint);
    let imported_at = back.session.created_at.expect("a time");
    let imported = confab_core::Session::from_checkpoint(back, imported_at);
    assert_eq!(
        (
            imported.created_by.as_deref(),
            imported.updated_by.as_deref()
        ),
        (Some("ana"), Some("Björn Ström"))
    );

    // Unknown authors leave no key behind: the file stays an Atmos checkpoint.
    let mut anonymous = checkpoint;
    anonymous.session.created_by = None;
    anonymous.session.updated_by = None;
    let mut out = Vec::new();
    FORMAT
        .encode(&anonymous, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    let written = String::from_utf8(out).expect("utf-8");
    assert!(
        !written.contains("created_by") && !written.contains("updated_by"),
        "{written}"
    );
}
