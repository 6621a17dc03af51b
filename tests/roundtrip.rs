//! The Atmos fixtures survive every machine format: JSON and YAML, each read and written by the
//! other. (The property tests of each format are in its crate: `formats/json/tests/roundtrip.rs`,
//! `formats/yaml/tests/roundtrip.rs`.)

use confab_core::{Checkpoint, CheckpointFormat, Decode, Encode, EncodeOptions, read_checkpoint};

use crate::util::fixture_path;

/// A format that both writes and reads checkpoints.
trait Machine: CheckpointFormat + Encode + Decode {}
impl<T: CheckpointFormat + Encode + Decode> Machine for T {}

fn machine_formats() -> [&'static dyn Machine; 2] {
    [&confab_format_json::FORMAT, &confab_format_yaml::FORMAT]
}

fn round_trip(format: &dyn Machine, checkpoint: &Checkpoint) -> Result<Checkpoint, String> {
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

#[test]
fn atmos_fixtures_decode_and_validate() {
    for (file, format) in [
        (
            "atmos/eks-troubleshooting.json",
            &confab_format_json::FORMAT as &dyn Machine,
        ),
        ("atmos/vpc-migration.yaml", &confab_format_yaml::FORMAT),
    ] {
        let bytes = std::fs::read(fixture_path(file)).expect("fixture");
        let checkpoint = read_checkpoint(file, &bytes, format)
            .expect("Atmos fixture is valid")
            .checkpoint;
        assert!(!checkpoint.messages.is_empty());
        for format in machine_formats() {
            assert_eq!(
                round_trip(format, &checkpoint).as_ref(),
                Ok(&checkpoint),
                "{file} via {}",
                format.name()
            );
        }
    }
}

/// Numbers in metadata and tool-call arguments come back as they were written (issue 15, item
/// 22): integers wider than 64 bits keep every digit, floats keep their text, and nothing turns
/// into a float that was not one.
#[test]
fn metadata_numbers_round_trip_exactly_through_the_store() {
    let project = crate::util::Project::new();
    let numbers = r#"{"big": 123456789012345678901234567890, "u64": 18446744073709551615,
        "i64": -9223372036854775808, "price": 1.10, "tiny": 5e-324, "zero": -0,
        "nested": {"list": [1, 2.50, 340282366920938463463374607431768211455]}}"#;
    let checkpoint = format!(
        r#"{{"version": "1.0",
            "session": {{"name": "numbers", "provider": "p", "model": "m", "metadata": {numbers}}},
            "messages": [
              {{"role": "user", "content": "go"}},
              {{"role": "assistant", "content": "", "tool_calls": [
                {{"id": "c1", "name": "quote", "arguments": {numbers}}}]}}]}}"#
    );
    project.write("numbers.json", checkpoint);
    project
        .confab()
        .args(["sessions", "import", "numbers.json"])
        .assert()
        .success();
    let exported = project
        .confab()
        .args(["sessions", "export", "numbers", "-o", "-"])
        .output()
        .expect("runs");
    let text = String::from_utf8(exported.stdout).expect("UTF-8");
    for written in [
        "\"big\": 123456789012345678901234567890",
        "\"u64\": 18446744073709551615",
        "\"i64\": -9223372036854775808",
        "\"price\": 1.10",
        "\"tiny\": 5e-324",
        "\"zero\": 0",
        "2.50",
        "340282366920938463463374607431768211455",
    ] {
        assert_eq!(text.matches(written).count(), 2, "{written} in\n{text}");
    }
    assert!(!text.contains("e+29") && !text.contains("-0.0"), "{text}");

    // YAML writes plain numbers too (never serde_json's private number struct), every digit
    // of the wide integers included, and reads back as a valid checkpoint.
    project
        .confab()
        .args(["sessions", "export", "numbers", "-o", "numbers.yaml"])
        .assert()
        .success();
    let yaml = project.read("numbers.yaml");
    assert!(!yaml.contains("serde_json"), "{yaml}");
    assert!(
        yaml.contains("big: 123456789012345678901234567890"),
        "{yaml}"
    );
    assert!(yaml.contains("u64: 18446744073709551615"), "{yaml}");
    project
        .confab()
        .args(["sessions", "import", "numbers.yaml", "--name", "again"])
        .assert()
        .success();
}
