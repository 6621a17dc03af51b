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
