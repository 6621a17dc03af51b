//! One source of truth for the message shape: the [`Checkpoint`] model and the JSON Schema in
//! `schemas/checkpoint-v1.schema.json` describe the same fields.
//!
//! A fully populated checkpoint (every optional field set, at every level) is serialized and
//! walked together with the schema: every key it writes must be a schema property at that place,
//! and every schema property (following `$ref`, `items` and nested `properties`) must be written.
//! Adding a field to a struct and not to the schema, or to the schema and not to a struct, fails
//! here.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::checkpoint::{
    CURRENT_VERSION, Checkpoint, Context, Message, Role, SessionInfo, Statistics, TokenUsage,
    ToolCall,
};
use crate::schema::CHECKPOINT_SCHEMA;

/// Schema properties that are only read, as older names of a field, and never written.
const READ_ONLY_ALIASES: &[(&str, &str)] = &[
    // Older Atmos called the skill `agent`.
    ("/session", "agent"),
    // Older Atmos called the project instructions `project_memory`.
    ("/context", "project_memory"),
];

fn is_read_only_alias(path: &str, key: &str) -> bool {
    READ_ONLY_ALIASES.contains(&(path, key))
}

fn time(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

/// A checkpoint with every optional field set, including those of nested values.
fn fully_populated() -> Checkpoint {
    let message = Message {
        role: Role::Assistant,
        content: "The plan replaces the VPC because its CIDR changed.".to_owned(),
        created_at: Some(time("2025-10-29T15:20:05.000211Z")),
        archived: true,
        model: Some("claude-sonnet-4-6".to_owned()),
        provider: Some("anthropic".to_owned()),
        usage: Some(TokenUsage {
            input_tokens: Some(120),
            output_tokens: Some(48),
            cached_input_tokens: Some(100),
            cache_write_tokens: Some(20),
            reasoning_tokens: Some(8),
        }),
        tool_calls: vec![ToolCall {
            id: "call-1".to_owned(),
            name: "terraform_plan".to_owned(),
            arguments: json!({"dir": "vpc"}),
        }],
        tool_call_id: Some("call-0".to_owned()),
    };
    let mut metadata = Map::new();
    metadata.insert("ticket".to_owned(), json!("OPS-42"));
    Checkpoint {
        version: CURRENT_VERSION.to_owned(),
        exported_at: Some(time("2025-10-30T14:30:00Z")),
        exported_by: Some("tester".to_owned()),
        session: SessionInfo {
            name: "vpc-review".to_owned(),
            provider: "anthropic".to_owned(),
            model: "claude-sonnet-4-6".to_owned(),
            skill: Some("terraform".to_owned()),
            project_path: Some("/work/infra".to_owned()),
            created_at: Some(time("2025-10-29T15:00:00Z")),
            updated_at: Some(time("2025-10-29T15:20:05Z")),
            created_by: Some("ana".to_owned()),
            updated_by: Some("bo".to_owned()),
            metadata: Some(metadata),
        },
        statistics: Some(Statistics::of(std::slice::from_ref(&message))),
        messages: vec![message],
        context: Some(Context {
            project_instructions: Some("Use the staging account.".to_owned()),
            files_accessed: vec!["vpc/main.tf".to_owned()],
            working_directory: Some("/work/infra/vpc".to_owned()),
        }),
    }
}

/// The schema node at `node`, with a `$ref` (to `#/$defs/...`) followed.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .expect("only local references in the schema");
            resolve(
                root,
                root.pointer(pointer)
                    .expect("the reference points somewhere"),
            )
        }
        None => node,
    }
}

/// Walks `value` and `schema` together, collecting every mismatch of their fields.
fn compare(root: &Value, schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let Some(object) = value.as_object() else {
            problems.push(format!(
                "{path}: the schema has properties, the value is {value}"
            ));
            return;
        };
        for key in object.keys() {
            if !properties.contains_key(key) {
                problems.push(format!(
                    "{path}/{key}: serialized, but not a property in the schema"
                ));
            }
        }
        for (key, property) in properties {
            match object.get(key) {
                Some(child) => compare(root, property, child, &format!("{path}/{key}"), problems),
                None if is_read_only_alias(path, key) => {}
                None => problems.push(format!(
                    "{path}/{key}: in the schema, but not serialized from a fully populated checkpoint"
                )),
            }
        }
    }
    if let Some(items) = schema.get("items") {
        match value.as_array() {
            Some(array) if !array.is_empty() => {
                for (index, item) in array.iter().enumerate() {
                    compare(root, items, item, &format!("{path}/{index}"), problems);
                }
            }
            _ => problems.push(format!(
                "{path}: the schema has items, the value is no non-empty array: {value}"
            )),
        }
    }
}

fn problems(checkpoint: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(CHECKPOINT_SCHEMA).expect("the schema is JSON");
    let mut problems = Vec::new();
    compare(&schema, &schema, checkpoint, "", &mut problems);
    problems
}

#[test]
fn the_model_and_the_schema_have_the_same_fields() {
    let value = serde_json::to_value(fully_populated()).expect("serializes");
    assert_eq!(problems(&value), Vec::<String>::new());
}

#[test]
fn the_fully_populated_checkpoint_is_valid_and_reads_back_equal() {
    let checkpoint = fully_populated();
    let value = serde_json::to_value(&checkpoint).expect("serializes");
    let validator = jsonschema::validator_for(
        &serde_json::from_str(CHECKPOINT_SCHEMA).expect("the schema is JSON"),
    )
    .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|error| error.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let back: Checkpoint = serde_json::from_value(value).expect("deserializes");
    assert_eq!(back, checkpoint);
}

#[test]
fn a_field_missing_on_either_side_is_found() {
    let mut value = serde_json::to_value(fully_populated()).expect("serializes");
    // A field the schema does not know, as if added to `Message` only.
    value["messages"][0]["mood"] = json!("calm");
    // A schema property the model no longer writes, as if removed from `TokenUsage` only.
    value["messages"][0]["usage"]
        .as_object_mut()
        .expect("usage")
        .remove("output_tokens");
    // Deep in `$defs` and `items`: a tool call without its arguments.
    value["messages"][0]["tool_calls"][0]
        .as_object_mut()
        .expect("tool call")
        .remove("arguments");
    assert_eq!(
        problems(&value),
        [
            "/messages/0/mood: serialized, but not a property in the schema",
            "/messages/0/usage/output_tokens: in the schema, but not serialized from a fully populated checkpoint",
            "/messages/0/tool_calls/0/arguments: in the schema, but not serialized from a fully populated checkpoint",
        ]
    );
}

/// Compiled once for the property test below.
static VALIDATOR: std::sync::LazyLock<jsonschema::Validator> = std::sync::LazyLock::new(|| {
    jsonschema::validator_for(&serde_json::from_str(CHECKPOINT_SCHEMA).expect("the schema is JSON"))
        .expect("the schema compiles")
});

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// The generators the format crates' round-trip tests use make only valid checkpoints, and
    /// never a field the schema does not know.
    #[test]
    fn generated_checkpoints_are_valid(checkpoint in crate::arbitrary::checkpoint()) {
        let value = serde_json::to_value(&checkpoint).expect("serializes");
        let errors: Vec<String> = VALIDATOR.iter_errors(&value).map(|error| error.to_string()).collect();
        proptest::prop_assert_eq!(errors, Vec::<String>::new());
    }
}
