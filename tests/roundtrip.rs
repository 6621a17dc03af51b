//! Checkpoints survive every machine format: encode → decode gives back an equal checkpoint.

use confab_core::{
    Checkpoint, CheckpointFormat, Context, Decode, Encode, EncodeOptions, Message, Role,
    SessionInfo, Statistics, TokenUsage, ToolCall, read_checkpoint,
};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Map, Value};

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

#[test]
fn timestamps_keep_their_precision_and_are_written_in_utc() {
    let bytes = std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture");
    let checkpoint = read_checkpoint("eks", &bytes, &confab_format_json::FORMAT)
        .expect("valid")
        .checkpoint;
    let mut out = Vec::new();
    confab_format_json::FORMAT
        .encode(&checkpoint, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    let text = String::from_utf8(out).expect("utf-8");
    // 11:20:05.000211-04:00 is 15:20:05.000211 UTC.
    assert!(text.contains("\"2025-10-29T15:20:05.000211Z\""), "{text}");
    assert!(text.contains("\"2025-10-29T20:45:00.5Z\""), "{text}");
}

// --- generators --------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => Just(String::new()),
        1 => "[ -~\n\t]{0,200}",
        1 => "(yes|no|null|~|true|1\\.0|0x1F|- x|# y|: z|'q'|\"d\"|\\|\\n|>|\\r\\n|  lead|trail  )",
        1 => "[a-zé漢🙂\n ]{1000,3000}",
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800, 0i32..1_000_000_000)
        .prop_map(|(seconds, nanos)| Timestamp::new(seconds, nanos).expect("in range"))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1.0e12f64..1.0e12).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn metadata() -> impl Strategy<Value = Option<Map<String, Value>>> {
    prop::option::of(prop::collection::vec((text(), json_value()), 0..5))
        .prop_map(|entries| entries.map(|entries| entries.into_iter().collect()))
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn message() -> impl Strategy<Value = Message> {
    (
        role(),
        text(),
        prop::option::of(timestamp()),
        any::<bool>(),
        prop::option::of(text()),
        prop::option::of((
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
        )),
        prop::collection::vec((text(), "[a-z_]{1,12}", json_value()), 0..3),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(
            |(role, content, created_at, archived, model, usage, calls, call_id, provider)| {
                Message {
                    role,
                    content,
                    created_at,
                    archived,
                    model,
                    provider,
                    usage: usage.map(|(input, output)| TokenUsage {
                        input_tokens: input.map(u64::from),
                        output_tokens: output.map(u64::from),
                    }),
                    tool_calls: calls
                        .into_iter()
                        .map(|(id, name, arguments)| ToolCall {
                            id,
                            name,
                            arguments,
                        })
                        .collect(),
                    tool_call_id: call_id,
                }
            },
        )
}

fn checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        (prop::option::of(timestamp()), prop::option::of(text())),
        (
            "[A-Za-z0-9][A-Za-z0-9._-]{0,20}",
            "[a-z]{1,10}",
            "[a-z0-9.-]{1,20}",
            prop::option::of(text()),
            prop::option::of(text()),
        ),
        (
            prop::option::of(timestamp()),
            prop::option::of(timestamp()),
            metadata(),
        ),
        prop::collection::vec(message(), 1..8),
        prop::option::of((
            prop::option::of(text()),
            prop::collection::vec(text(), 0..3),
            prop::option::of(text()),
        )),
    )
        .prop_map(
            |(
                (exported_at, exported_by),
                (name, provider, model, skill, project_path),
                (created_at, updated_at, metadata),
                messages,
                context,
            )| {
                let statistics = Some(Statistics::of(&messages));
                Checkpoint {
                    version: "1.0".to_owned(),
                    exported_at,
                    exported_by,
                    session: SessionInfo {
                        name,
                        provider,
                        model,
                        skill,
                        project_path,
                        created_at,
                        updated_at,
                        metadata,
                    },
                    messages,
                    context: context.map(
                        |(project_instructions, files_accessed, working_directory)| Context {
                            project_instructions,
                            files_accessed,
                            working_directory,
                        },
                    ),
                    statistics,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn json_round_trips(checkpoint in checkpoint()) {
        prop_assert_eq!(round_trip(&confab_format_json::FORMAT, &checkpoint), Ok(checkpoint));
    }

    #[test]
    fn yaml_round_trips(checkpoint in checkpoint()) {
        prop_assert_eq!(round_trip(&confab_format_yaml::FORMAT, &checkpoint), Ok(checkpoint));
    }
}
