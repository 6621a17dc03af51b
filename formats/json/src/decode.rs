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
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = StrictValue
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(decode_error)?;
    Ok(value)
}

pub(crate) fn decode_streaming(
    bytes: &[u8],
    sink: &mut dyn MessageSink,
) -> Result<Value, DecodeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Envelope { sink }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(decode_error)?;
    Ok(value)
}

fn decode_error(error: serde_json::Error) -> DecodeError {
    confab_core::convert::json_error(&error)
}

/// Deserializes any JSON value, failing on a repeated object key.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
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
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The top-level value: an object whose `messages` array is streamed to the sink.
struct Envelope<'a> {
    sink: &'a mut dyn MessageSink,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a checkpoint object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let value = if key == "messages" {
                map.next_value_seed(Messages {
                    sink: &mut *self.sink,
                })?
            } else {
                map.next_value_seed(StrictValue)?
            };
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    // Anything but an object is not a checkpoint; build it whole and let the schema say so.
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        StrictValue.visit_bool(value)
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        StrictValue.visit_i64(value)
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        StrictValue.visit_u64(value)
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        StrictValue.visit_f64(value)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        StrictValue.visit_str(value)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        StrictValue.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        StrictValue.visit_seq(seq)
    }
}

/// The `messages` value: an array's elements go to the sink; `[]` is left in its place. Any
/// other value is kept whole for the schema to refuse.
struct Messages<'a> {
    sink: &'a mut dyn MessageSink,
}

impl<'de> DeserializeSeed<'de> for Messages<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut index = 0;
        while let Some(message) = seq.next_element_seed(StrictValue)? {
            self.sink.message(index, message);
            index += 1;
        }
        Ok(Value::Array(Vec::new()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        StrictValue.visit_map(map)
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        StrictValue.visit_bool(value)
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        StrictValue.visit_i64(value)
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        StrictValue.visit_u64(value)
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        StrictValue.visit_f64(value)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        StrictValue.visit_str(value)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        StrictValue.visit_unit()
    }
}

fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format_args!(
        "duplicate key {key:?} (a key may appear once in an object)"
    ))
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
