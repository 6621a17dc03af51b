//! The places of a checkpoint a secret can sit, visited by [`Redactor::redact_checkpoint`] and
//! [`Redactor::scan_checkpoint`] alike.
//!
//! Every string that is written out is visited, identifiers included: a provider, a model or a
//! tool name is normally harmless, but it is printed, and a session imported from a careless or
//! hostile source can hold a key in any of them (a tool call id made of an API key, a metadata
//! key that is a token). Free text is redacted span by span; identifiers are redacted the same
//! way and keep their role: a session name stays a valid name (`REDACTED-github-token` instead
//! of `[REDACTED:github-token]`), a tool call id and the `tool_call_id` answering it are
//! redacted alike so they still match, and a redacted object key that would collide with
//! another gets a `#2` suffix instead of replacing it.

use std::borrow::Cow;

use confab_core::Checkpoint;
use serde_json::{Map, Value};

use crate::detect::{self, ASSIGNMENT_KIND, PLACEHOLDER};
use crate::{Redactor, Report, values};

impl Redactor {
    /// Redacts every place of `checkpoint` a secret can sit (see the [crate] documentation) and
    /// says what was replaced. The checkpoint keeps its shape: only string contents change.
    pub fn redact_checkpoint(&self, checkpoint: &mut Checkpoint) -> Report {
        let mut report = Report::new();
        let r = &mut report;
        self.redact_option(&mut checkpoint.exported_by, r);
        for message in &mut checkpoint.messages {
            self.redact_string(&mut message.content, None, r);
            self.redact_option(&mut message.model, r);
            self.redact_option(&mut message.provider, r);
            self.redact_option(&mut message.tool_call_id, r);
            for call in &mut message.tool_calls {
                self.redact_string(&mut call.id, None, r);
                self.redact_string(&mut call.name, None, r);
                self.redact_value(&mut call.arguments, None, r);
            }
        }
        let session = &mut checkpoint.session;
        if let Cow::Owned(name) = self.redact_text(&session.name, r) {
            session.name = name_safe(&name);
        }
        self.redact_string(&mut session.provider, None, r);
        self.redact_string(&mut session.model, None, r);
        self.redact_option(&mut session.skill, r);
        if let Some(metadata) = &mut session.metadata {
            self.redact_map(metadata, r);
        }
        self.redact_option(&mut session.project_path, r);
        if let Some(context) = &mut checkpoint.context {
            self.redact_option(&mut context.project_instructions, r);
            for file in &mut context.files_accessed {
                self.redact_string(file, None, r);
            }
            self.redact_option(&mut context.working_directory, r);
        }
        report
    }

    /// Counts what [`Redactor::redact_checkpoint`] would replace, without changing anything:
    /// for `import`'s warning about unredacted secrets.
    pub fn scan_checkpoint(&self, checkpoint: &Checkpoint) -> Report {
        let mut report = Report::new();
        let r = &mut report;
        let texts = |r: &mut Report, texts: &[Option<&str>]| {
            for text in texts.iter().flatten() {
                self.scan_string(text, None, r);
            }
        };
        texts(r, &[checkpoint.exported_by.as_deref()]);
        for message in &checkpoint.messages {
            texts(
                r,
                &[
                    Some(&message.content),
                    message.model.as_deref(),
                    message.provider.as_deref(),
                    message.tool_call_id.as_deref(),
                ],
            );
            for call in &message.tool_calls {
                texts(r, &[Some(&call.id), Some(&call.name)]);
                self.scan_value(&call.arguments, None, r);
            }
        }
        let session = &checkpoint.session;
        texts(
            r,
            &[
                Some(&session.name),
                Some(&session.provider),
                Some(&session.model),
                session.skill.as_deref(),
            ],
        );
        if let Some(metadata) = &session.metadata {
            self.scan_map(metadata, r);
        }
        texts(r, &[session.project_path.as_deref()]);
        if let Some(context) = &checkpoint.context {
            texts(
                r,
                &[
                    context.project_instructions.as_deref(),
                    context.working_directory.as_deref(),
                ],
            );
            for file in &context.files_accessed {
                self.scan_string(file, None, r);
            }
        }
        report
    }

    /// `text` redacted, or `None` when nothing in it is a secret. Under a secret-looking JSON
    /// `key` (`"password"`, `"api_key"`), a value no detector recognised is a secret as a whole.
    fn redact_field(&self, text: &str, key: Option<&str>, report: &mut Report) -> Option<String> {
        if let Cow::Owned(redacted) = self.redact_text(text, report) {
            return Some(redacted);
        }
        let secret = key.is_some_and(|key| {
            detect::is_secret_key(key)
                && !PLACEHOLDER.is_match(text)
                && values::is_secret_value(key, text)
        });
        secret.then(|| {
            report.add(ASSIGNMENT_KIND, 1);
            format!("[REDACTED:{ASSIGNMENT_KIND}]")
        })
    }

    fn redact_string(&self, text: &mut String, key: Option<&str>, report: &mut Report) {
        if let Some(redacted) = self.redact_field(text, key, report) {
            *text = redacted;
        }
    }

    fn redact_option(&self, text: &mut Option<String>, report: &mut Report) {
        if let Some(text) = text {
            self.redact_string(text, None, report);
        }
    }

    /// Counts what [`Redactor::redact_string`] would replace; it allocates only for strings that
    /// hold a secret.
    fn scan_string(&self, text: &str, key: Option<&str>, report: &mut Report) {
        self.redact_field(text, key, report);
    }

    /// Redacts every string inside `value`; `key` is the object key it sits under, if any
    /// (array items inherit their array's key).
    fn redact_value(&self, value: &mut Value, key: Option<&str>, report: &mut Report) {
        match value {
            Value::String(text) => self.redact_string(text, key, report),
            Value::Array(items) => {
                for item in items {
                    self.redact_value(item, key, report);
                }
            }
            Value::Object(map) => self.redact_map(map, report),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    fn scan_value(&self, value: &Value, key: Option<&str>, report: &mut Report) {
        match value {
            Value::String(text) => self.scan_string(text, key, report),
            Value::Array(items) => {
                for item in items {
                    self.scan_value(item, key, report);
                }
            }
            Value::Object(map) => self.scan_map(map, report),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Redacts an object's keys and values. A value's key decides whether it is a secret as a
    /// whole; so does a sibling `name` in the `{"name": "DB_PASSWORD", "value": "…"}` shape of
    /// environment lists (Kubernetes, ECS, GitHub Actions), where the key name is data.
    fn redact_map(&self, map: &mut Map<String, Value>, report: &mut Report) {
        let named = named_secret(map);
        let keys: Vec<Option<String>> = map
            .keys()
            .map(|key| match self.redact_text(key, report) {
                Cow::Borrowed(_) => None,
                Cow::Owned(redacted) => Some(redacted),
            })
            .collect();
        if keys.iter().any(Option::is_some) {
            // Keys that stay keep their name; a redacted one that would take a name in use
            // gets the first free `#2`, `#3`, ... The order of the entries is kept.
            let mut taken: std::collections::HashSet<String> = map
                .keys()
                .zip(&keys)
                .filter(|(_, redacted)| redacted.is_none())
                .map(|(key, _)| key.clone())
                .collect();
            let entries = std::mem::take(map);
            for ((key, value), redacted) in entries.into_iter().zip(keys) {
                let key = match redacted {
                    None => key,
                    Some(base) => {
                        let mut key = base.clone();
                        let mut n = 1;
                        while taken.contains(&key) {
                            n += 1;
                            key = format!("{base}#{n}");
                        }
                        taken.insert(key.clone());
                        key
                    }
                };
                map.insert(key, value);
            }
        }
        for (key, value) in map.iter_mut() {
            let key = match (&named, key.as_str()) {
                (Some(name), "value") => name.as_str(),
                _ => key.as_str(),
            };
            self.redact_value(value, Some(key), report);
        }
    }

    fn scan_map(&self, map: &Map<String, Value>, report: &mut Report) {
        let named = named_secret(map);
        for (key, value) in map {
            self.scan_string(key, None, report);
            let key = match (&named, key.as_str()) {
                (Some(name), "value") => name.as_str(),
                _ => key.as_str(),
            };
            self.scan_value(value, Some(key), report);
        }
    }
}

/// The `name` (or `key`) of a `{"name": "DB_PASSWORD", "value": "…"}` pair, when it names a
/// secret.
fn named_secret(map: &Map<String, Value>) -> Option<String> {
    if !map.contains_key("value") {
        return None;
    }
    ["name", "key", "Name", "Key"]
        .iter()
        .filter_map(|field| map.get(*field)?.as_str())
        .find(|name| detect::is_secret_key(name))
        .map(str::to_owned)
}

/// A redacted session name made a valid session name again: `[REDACTED:kind]` becomes
/// `REDACTED-kind` (letters, digits, `.`, `_` and `-` only, starting with a letter).
fn name_safe(redacted: &str) -> String {
    let name = redacted.replace("[REDACTED:", "REDACTED-").replace(']', "");
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => name,
        _ => format!("REDACTED{name}"),
    }
}
