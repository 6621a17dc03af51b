//! JSON text to a [`Value`], refusing duplicate keys, whole or with the messages streamed.
//!
//! `serde_json`'s own `Value` keeps the last of two equal keys without a word. This visitor builds
//! the same `Value` but stops at the second key, and `serde_json` adds the line and column.
//!
//! [`decode_streaming`] builds only the top-level object: the elements of its `messages` array
//! go to a [`MessageSink`] one at a time and are dropped there, so a 100 MB checkpoint never
//! exists as one 300 MB tree.

use std::fmt;

use confab_core::{DecodeError, MessageSink};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

pub(crate) fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    decode_with(bytes, StrictValue(Mode::Whole))
}

pub(crate) fn decode_streaming(
    bytes: &[u8],
    sink: &mut dyn MessageSink,
) -> Result<Value, DecodeError> {
    decode_with(bytes, StrictValue(Mode::Envelope(sink)))
}

fn decode_with(bytes: &[u8], seed: StrictValue<'_>) -> Result<Value, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| confab_core::transcript::json_error(&error))
}

/// Where in the document a value is, which decides whether messages are streamed.
enum Mode<'a> {
    /// Build the value whole.
    Whole,
    /// The top-level value: its `messages` member is streamed to the sink.
    Envelope(&'a mut dyn MessageSink),
    /// The `messages` member: an array's elements go to the sink and `[]` stays in its place;
    /// any other value is built whole, for the schema to refuse.
    Messages(&'a mut dyn MessageSink),
}

/// How serde_json hands a visitor a number that is not a 64-bit integer (a float, `-0`, a wider
/// integer) when its `arbitrary_precision` feature is on, as confab has it so that metadata
/// keeps such numbers exactly: a one-entry map from this key to the number's text. serde_json's
/// own `Value` knows the key; a visitor of its own, like this one, must too.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Deserializes any JSON value, failing on a repeated object key.
struct StrictValue<'a>(Mode<'a>);

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // JSON text cannot spell NaN or infinity, so this is always `Some`.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if let Mode::Messages(sink) = self.0 {
            let mut index = 0;
            while let Some(message) = seq.next_element_seed(StrictValue(Mode::Whole))? {
                sink.message(index, message);
                index += 1;
            }
            return Ok(Value::Array(Vec::new()));
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(StrictValue(Mode::Whole))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut sink = match self.0 {
            Mode::Envelope(sink) => Some(sink),
            Mode::Whole | Mode::Messages(_) => None,
        };
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.is_empty() && key == NUMBER_TOKEN {
                // A number that is not a 64-bit integer, as its exact text (see NUMBER_TOKEN).
                let text: String = map.next_value()?;
                // Through `Number`'s own deserializer, which keeps the text (`FromStr` would
                // turn `-0` into `0`).
                return serde_json::from_str::<Number>(&text)
                    .map(Value::Number)
                    .map_err(de::Error::custom);
            }
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key {key:?} (a key may appear once in an object)"
                )));
            }
            let mode = match sink.as_mut() {
                Some(sink) if key == "messages" => Mode::Messages(&mut **sink),
                _ => Mode::Whole,
            };
            let value = map.next_value_seed(StrictValue(mode))?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use confab_core::Location;

    use super::*;

    #[test]
    fn builds_the_same_value_as_serde_json() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x\u00e9"], "b": {"c": {}}, "d": []}"#;
        let expected: Value = serde_json::from_str(text).expect("valid");
        assert_eq!(decode(text.as_bytes()).expect("valid"), expected);
    }

    struct Collect(Vec<(usize, Value)>);

    impl MessageSink for Collect {
        fn message(&mut self, index: usize, message: Value) {
            self.0.push((index, message));
        }
    }

    #[test]
    fn streaming_hands_over_each_message_and_keeps_the_rest() {
        let text = br#"{"a": 1, "messages": [{"role": "user"}, {"role": "tool"}], "b": [2]}"#;
        let mut sink = Collect(Vec::new());
        let envelope = decode_streaming(text, &mut sink).expect("valid");
        assert_eq!(
            envelope,
            serde_json::json!({"a": 1, "messages": [], "b": [2]})
        );
        assert_eq!(
            sink.0,
            [
                (0, serde_json::json!({"role": "user"})),
                (1, serde_json::json!({"role": "tool"}))
            ]
        );
    }

    #[test]
    fn streaming_keeps_what_is_not_a_message_array() {
        let mut sink = Collect(Vec::new());
        let envelope =
            decode_streaming(br#"{"messages": {"role": "user"}}"#, &mut sink).expect("valid");
        assert_eq!(envelope["messages"], serde_json::json!({"role": "user"}));
        assert_eq!(
            decode_streaming(b"[1]", &mut sink).expect("valid"),
            serde_json::json!([1])
        );
        assert!(sink.0.is_empty());
        let error = decode_streaming(br#"{"messages": [], "messages": []}"#, &mut sink)
            .expect_err("duplicate");
        assert!(
            error.message.contains("duplicate key \"messages\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_location() {
        let error = decode(b"{\n  \"a\": 1,\n  \"a\": 2\n}").expect_err("duplicate");
        assert!(
            error.message.contains("duplicate key \"a\""),
            "{}",
            error.message
        );
        assert_eq!(error.location.map(|l| l.line), Some(3));
    }

    #[test]
    fn syntax_errors_carry_line_and_column_once() {
        let error = decode(b"{\n  \"a\": ,\n}").expect_err("malformed");
        assert_eq!(error.location, Some(Location { line: 2, column: 8 }));
        assert!(!error.message.contains("line"), "{}", error.message);
    }

    #[test]
    fn trailing_data_deep_nesting_and_invalid_utf8_are_refused() {
        assert!(decode(b"{} {}").is_err());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let error = decode(deep.as_bytes()).expect_err("too deep");
        assert!(
            error.message.contains("recursion limit"),
            "{}",
            error.message
        );
        let error = decode(b"{\"a\": \"\xff\"}").expect_err("invalid UTF-8");
        assert!(error.location.is_some());
    }
}
