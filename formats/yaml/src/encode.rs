//! Writing a checkpoint as YAML: one message at a time, every number as it was.
//!
//! Two things shape this module.
//!
//! **Memory.** A session of a few hundred megabytes must not be rendered into one string (the
//! YAML text, plus the emitter's own buffers, plus the checkpoint: 16x the session was
//! measured). The envelope is written first, then each message as one item of the `messages`
//! sequence, then what follows it; only one message's YAML exists at a time.
//!
//! **Numbers.** confab keeps free-form values (metadata, tool-call arguments) with serde_json's
//! `arbitrary_precision`, so `123456789012345678901234567890` and `-0` survive a JSON round trip
//! as they were written. Such a number serialises through serde as a private one-field struct
//! that only serde_json understands; every other serialiser would write that struct as a
//! mapping. [`Exact`] walks a value and hands the emitter real scalars instead: integers as
//! integers of any width up to 128 bits, other numbers as floats.

use std::io::{self, Write};

use confab_core::schema::CHECKPOINT_SCHEMA_ID;
use confab_core::{Checkpoint, EncodeError};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Number, Value};

/// Writes `checkpoint` to `out` as a YAML document.
pub(crate) fn write_checkpoint(
    checkpoint: &Checkpoint,
    out: &mut dyn Write,
) -> Result<(), EncodeError> {
    let mut out = io::BufWriter::new(out);
    // Editors with the YAML language server validate and complete against the schema.
    writeln!(
        out,
        "# yaml-language-server: $schema={CHECKPOINT_SCHEMA_ID}"
    )?;

    // The envelope without the messages: small, so held whole, and split around `messages` so
    // the keys keep the order of the JSON form (serde_json keeps insertion order here).
    let Value::Object(envelope) = to_value(&checkpoint.envelope())? else {
        return Err(EncodeError::Format("a checkpoint is a mapping".to_owned()));
    };
    let mut before = Map::new();
    let mut after = Map::new();
    let mut seen_messages = false;
    for (key, value) in envelope {
        if key == "messages" {
            seen_messages = true;
        } else if seen_messages {
            after.insert(key, value);
        } else {
            before.insert(key, value);
        }
    }

    write_yaml(&mut out, &Exact(&Value::Object(before)))?;
    if checkpoint.messages.is_empty() {
        writeln!(out, "messages: []")?;
    } else {
        writeln!(out, "messages:")?;
        for message in &checkpoint.messages {
            let message = to_value(message)?;
            write_yaml(&mut out, &[Exact(&message)])?;
        }
    }
    if !after.is_empty() {
        write_yaml(&mut out, &Exact(&Value::Object(after)))?;
    }
    out.flush()?;
    Ok(())
}

fn to_value(value: &impl Serialize) -> Result<Value, EncodeError> {
    serde_json::to_value(value).map_err(|error| EncodeError::Format(error.to_string()))
}

/// Emits `value` as YAML, ending in a newline.
fn write_yaml(out: &mut impl Write, value: &impl Serialize) -> Result<(), EncodeError> {
    let options = serde_saphyr::ser_options! {
        // Long single lines are never folded: folding is where YAML round trips lose
        // whitespace.
        folded_wrap_chars: usize::MAX,
    };
    let text = serde_saphyr::to_string_with_options(value, options)
        .map_err(|error| EncodeError::Format(error.to_string()))?;
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A JSON value serialised with plain scalars for its numbers (see the module documentation).
struct Exact<'a>(&'a Value);

impl Serialize for Exact<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(value) => serializer.serialize_bool(*value),
            Value::Number(number) => serialize_number(number, serializer),
            Value::String(text) => serializer.serialize_str(text),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Exact(item))?;
                }
                seq.end()
            }
            Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, &Exact(value))?;
                }
                map.end()
            }
        }
    }
}

fn serialize_number<S: Serializer>(number: &Number, serializer: S) -> Result<S::Ok, S::Error> {
    if let Some(value) = number.as_u64() {
        return serializer.serialize_u64(value);
    }
    if let Some(value) = number.as_i64() {
        return serializer.serialize_i64(value);
    }
    // Integers too wide for 64 bits keep every digit while they fit in 128.
    let text = number.to_string();
    if let Ok(value) = text.parse::<u128>() {
        return serializer.serialize_u128(value);
    }
    if let Ok(value) = text.parse::<i128>() {
        return serializer.serialize_i128(value);
    }
    match number.as_f64() {
        Some(value) => serializer.serialize_f64(value),
        // Not even a float (beyond f64's range): the digits, as text, rather than a wrong number.
        None => serializer.serialize_str(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(value: &Value) -> String {
        let mut out = Vec::new();
        write_yaml(&mut out, &Exact(value)).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn numbers_are_plain_scalars_with_every_digit() {
        let value: Value = serde_json::from_str(
            r#"{"big": 123456789012345678901234567890, "u": 18446744073709551615,
                "i": -9223372036854775808, "f": 1.5, "neg": -170141183460469231731687303715884105728}"#,
        )
        .expect("JSON");
        assert_eq!(
            yaml(&value),
            "big: 123456789012345678901234567890\nu: 18446744073709551615\n\
             i: -9223372036854775808\nf: 1.5\nneg: -170141183460469231731687303715884105728\n"
        );
    }
}
