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
