//! The import pipeline: the one path every checkpoint takes from bytes to a typed [`Checkpoint`].
//!
//! ```text
//! bytes ─ format.decode ─▶ Value ─ version ─▶ JSON Schema ─▶ consistency ─▶ Checkpoint
//! ```
//!
//! Each step reports *all* it finds, never just the first problem, and every problem is then
//! located in the source (`line:column`) by the format that decoded it. `import` and `validate`
//! both call [`read_checkpoint`], so a file that validates is a file that imports: there is no
//! second, laxer path into a store.

use serde_json::Value;

use crate::checkpoint::{Checkpoint, Role, SUPPORTED_VERSIONS};
use crate::error::{InvalidCheckpoint, Problem};
use crate::format::CheckpointFormat;
use crate::schema::schema_problems;

/// Decodes `bytes` with `format` and checks them; `source_name` names the file in errors.
pub fn read_checkpoint(
    source_name: &str,
    bytes: &[u8],
    format: &dyn CheckpointFormat,
) -> Result<Checkpoint, InvalidCheckpoint> {
    let invalid = |problems: Vec<Problem>| InvalidCheckpoint {
        source_name: source_name.to_owned(),
        problems,
    };
    let value = format.decode(bytes).map_err(|error| {
        let mut problem = Problem::new("", "syntax", error.message);
        problem.location = error.location;
        invalid(vec![problem])
    })?;
    check_value(value).map_err(|mut problems| {
        for problem in &mut problems {
            problem.location = format.locate(bytes, &problem.pointer);
        }
        // File order first; problems without a location keep their document order after those.
        problems.sort_by_key(|problem| problem.location.is_none());
        problems.sort_by_key(|problem| problem.location);
        invalid(problems)
    })
}

/// Checks a decoded document and converts it; the problems carry no locations.
pub fn check_value(value: Value) -> Result<Checkpoint, Vec<Problem>> {
    if let Some(problem) = version_problem(&value) {
        // A different version has a different shape: the schema's complaints would be noise.
        return Err(vec![problem]);
    }
    let mut problems = schema_problems(&value);
    problems.extend(consistency_problems(&value));
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(value).map_err(|error| {
        vec![Problem::new(
            "",
            "type",
            format!("cannot read the checkpoint: {error}"),
        )]
    })
}

fn version_problem(value: &Value) -> Option<Problem> {
    let version = value.get("version")?.as_str()?;
    if SUPPORTED_VERSIONS.contains(&version) {
        return None;
    }
    Some(
        Problem::new(
            "/version",
            "version",
            format!("unsupported checkpoint version {version:?}"),
        )
        .with_hint(format!(
            "this confab reads version {}; a newer confab may read this file",
            SUPPORTED_VERSIONS.join(", ")
        )),
    )
}

/// What the schema cannot say: the statistics must describe the messages they sit beside.
///
/// Works on the raw document, so these problems are reported together with the schema's.
fn consistency_problems(value: &Value) -> Vec<Problem> {
    let (Some(stated), Some(messages)) = (
        value.get("statistics").and_then(Value::as_object),
        value.get("messages").and_then(Value::as_array),
    ) else {
        return Vec::new();
    };
    let count = |role: Role| {
        messages
            .iter()
            .filter(|message| message.get("role").and_then(Value::as_str) == Some(role.as_str()))
            .count() as u64
    };
    let checks = [
        ("message_count", messages.len() as u64, "messages"),
        ("user_messages", count(Role::User), "user messages"),
        (
            "assistant_messages",
            count(Role::Assistant),
            "assistant messages",
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(field, actual, what)| {
            // A missing or mistyped count is the schema's to report.
            let stated = stated.get(field)?.as_u64()?;
            (stated != actual).then(|| {
                Problem::new(
                    format!("/statistics/{field}"),
                    "consistency",
                    format!("says {stated}, but counting the {what} gives {actual}"),
                )
                .with_hint(format!(
                    "set statistics.{field} to {actual}, or remove `statistics` to have it recomputed"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({
            "version": "1.0",
            "session": {"name": "s", "provider": "p", "model": "m"},
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
            "statistics": {"message_count": 2, "user_messages": 1, "assistant_messages": 1}
        })
    }

    #[test]
    fn a_valid_document_becomes_a_checkpoint() {
        let checkpoint = check_value(valid()).expect("valid");
        assert_eq!(checkpoint.messages.len(), 2);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let mut value = valid();
        value["future_field"] = json!({"x": 1});
        value["messages"][0]["reaction"] = json!("+1");
        assert!(check_value(value).is_ok());
    }

    #[test]
    fn statistics_must_agree_with_the_messages() {
        let mut value = valid();
        value["statistics"]["message_count"] = json!(3);
        value["statistics"]["user_messages"] = json!(0);
        let problems = check_value(value).expect_err("inconsistent");
        let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/statistics/message_count", "/statistics/user_messages"]
        );
        assert!(
            problems[0]
                .message
                .contains("says 3, but counting the messages gives 2")
        );
    }

    #[test]
    fn unsupported_versions_are_named_with_the_supported_ones() {
        let mut value = valid();
        value["version"] = json!("2.0");
        let problems = check_value(value).expect_err("unsupported");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("\"2.0\""));
        assert!(
            problems[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("1.0"))
        );
    }

    #[test]
    fn consistency_is_reported_with_schema_problems() {
        let mut value = valid();
        value["session"]["model"] = json!(7);
        value["statistics"]["message_count"] = json!(5);
        let problems = check_value(value).expect_err("invalid");
        let rules: Vec<&str> = problems.iter().map(|p| p.rule.as_str()).collect();
        assert_eq!(rules, ["type", "consistency"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let value = json!({"version": "1.0", "session": {}, "messages": []});
        let problems = check_value(value).expect_err("invalid");
        assert!(problems.len() >= 4, "{problems:#?}");
    }
}
