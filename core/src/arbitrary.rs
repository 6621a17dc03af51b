//! proptest strategies for the checkpoint model (feature `arbitrary`), for the format crates'
//! round-trip property tests: any checkpoint a strategy yields must come back equal from
//! encode → decode.

use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::checkpoint::{
    Checkpoint, Context, Message, Role, SessionInfo, Statistics, TokenUsage, ToolCall,
};

/// Any string, weighted towards the awkward ones: empty, YAML-looking, long and non-ASCII.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => Just(String::new()),
        1 => "[ -~\n\t]{0,200}",
        1 => "(yes|no|null|~|true|1\\.0|0x1F|- x|# y|: z|'q'|\"d\"|\\|\\n|>|\\r\\n|  lead|trail  )",
        1 => "[a-zé漢🙂\n ]{1000,3000}",
    ]
}

/// A timestamp between 1970 and 2100 with nanoseconds.
pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800, 0i32..1_000_000_000)
        .prop_map(|(seconds, nanos)| Timestamp::new(seconds, nanos).expect("in range"))
}

/// A JSON value up to four levels deep.
pub fn json_value() -> impl Strategy<Value = Value> {
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

/// Session metadata: absent, or an object of JSON values.
pub fn metadata() -> impl Strategy<Value = Option<Map<String, Value>>> {
    prop::option::of(prop::collection::vec((text(), json_value()), 0..5))
        .prop_map(|entries| entries.map(|entries| entries.into_iter().collect()))
}

/// Any role.
pub fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

/// A message with any combination of its optional fields.
pub fn message() -> impl Strategy<Value = Message> {
    (
        role(),
        text(),
        prop::option::of(timestamp()),
        any::<bool>(),
        prop::option::of(text()),
        prop::option::of((
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
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
                    usage: usage.map(|(input, output, cached, cache_write, reasoning)| {
                        TokenUsage {
                            input_tokens: input.map(u64::from),
                            output_tokens: output.map(u64::from),
                            cached_input_tokens: cached.map(u64::from),
                            cache_write_tokens: cache_write.map(u64::from),
                            reasoning_tokens: reasoning.map(u64::from),
                        }
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

/// A valid checkpoint (1 to 7 messages, statistics that match them) with any combination of optional fields.
pub fn checkpoint() -> impl Strategy<Value = Checkpoint> {
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
            prop::option::of(text()),
            prop::option::of(text()),
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
                (created_at, updated_at, created_by, updated_by, metadata),
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
                        created_by,
                        updated_by,
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
