//! One NDJSON field straight into a typed [`Value`], without building a `serde_json::Value` of it
//! first: the loader's inner loop. The result is exactly what converting the field's JSON value to
//! the column's declared type gives ([`convert`]), which `tests` pin against that slower route.

use std::fmt;
use std::sync::Arc;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::super::value::{Bag, KqlType, Value, convert};

/// Reads a field for a column of type `Some(ty)` (declared), or `None` (found outside the schema:
/// the value keeps its natural type, typed once the whole table is in).
#[derive(Clone, Copy)]
pub struct FieldSeed(pub Option<KqlType>);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(FieldVisitor(self.0))
    }
}

struct FieldVisitor(Option<KqlType>);

/// A JSON string's (unescaped) text read for a column of type `ty`, as [`FieldSeed`] reads it.
pub fn plain_string_value(text: &str, ty: Option<KqlType>) -> Value {
    match ty {
        // A string is already a string column's value: no second copy through `convert`.
        None | Some(KqlType::String | KqlType::Guid) => Value::str(text),
        Some(ty) => convert(&Value::str(text), ty),
    }
}

impl FieldVisitor {
    /// A scalar read in its natural type, converted to the column's.
    fn typed(&self, natural: Value) -> Value {
        match self.0 {
            Some(ty) => convert(&natural, ty),
            None => natural,
        }
    }
}

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(self.typed(Value::Null))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(self.typed(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(self.typed(Value::Long(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(self.typed(natural_u64(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(self.typed(Value::Real(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(plain_string_value(v, self.0))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        match self.0 {
            // Objects in a string column keep their (compact) JSON text.
            Some(KqlType::String) => {
                let json = <serde_json::Value as serde::Deserialize>::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Value::str(&json.to_string()))
            }
            _ => Ok(self.typed(DynamicVisitor.visit_map(map)?)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        match self.0 {
            Some(KqlType::String) => {
                let json = <serde_json::Value as serde::Deserialize>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Value::str(&json.to_string()))
            }
            _ => Ok(self.typed(DynamicVisitor.visit_seq(seq)?)),
        }
    }
}

/// `serde_json` gives integers above `i64::MAX` as `u64`; tenantless holds them as reals, as
/// `Value::from_json` does.
fn natural_u64(v: u64) -> Value {
    i64::try_from(v).map_or(Value::Real(v as f64), Value::Long)
}

/// A JSON value of any shape as a dynamic value (what `Value::from_json` gives for it).
struct DynamicVisitor;

struct Dynamic(Value);

impl<'de> serde::Deserialize<'de> for Dynamic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Dynamic, D::Error> {
        deserializer.deserialize_any(DynamicVisitor).map(Dynamic)
    }
}

impl<'de> Visitor<'de> for DynamicVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Long(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(natural_u64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Real(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Dynamic(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(Arc::new(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut bag = Bag::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Dynamic(value) = map.next_value()?;
            // A repeated key keeps its first place and its last value, as serde_json's
            // insertion-ordered map does.
            match bag.iter_mut().find(|(k, _)| **k == *key) {
                Some((_, slot)) => *slot = value,
                None => bag.push((Arc::from(key.as_ref()), value)),
            }
        }
        Ok(Value::Bag(Arc::new(bag)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The route the loader took before: the whole field as `serde_json::Value`, then converted.
    fn via_json_value(text: &str, ty: Option<KqlType>) -> Value {
        use serde_json::Value as J;
        let json: J = serde_json::from_str(text).expect("valid JSON");
        let natural = match &json {
            J::Null => Value::Null,
            J::String(s) => Value::str(s),
            other => Value::from_json(other),
        };
        match (ty, &json) {
            (None, _) => natural,
            (Some(KqlType::String), J::Object(_) | J::Array(_)) => Value::str(&json.to_string()),
            (Some(ty), _) => convert(&natural, ty),
        }
    }

    fn direct(text: &str, ty: Option<KqlType>) -> Value {
        let mut de = serde_json::Deserializer::from_str(text);
        FieldSeed(ty).deserialize(&mut de).expect("valid JSON")
    }

    const TYPES: [Option<KqlType>; 11] = [
        None,
        Some(KqlType::Bool),
        Some(KqlType::Int),
        Some(KqlType::Long),
        Some(KqlType::Real),
        Some(KqlType::Decimal),
        Some(KqlType::String),
        Some(KqlType::DateTime),
        Some(KqlType::TimeSpan),
        Some(KqlType::Guid),
        Some(KqlType::Dynamic),
    ];

    #[test]
    fn every_json_shape_reads_as_the_json_value_route_converts_it() {
        let samples = [
            "null",
            "true",
            "0",
            "-17",
            "18446744073709551615",
            "2.5",
            "1e300",
            r#""""#,
            r#""text with \"escapes\" and \u00e9""#,
            r#""2026-11-28T10:15:02.1234567Z""#,
            r#""12:30:00""#,
            r#""42""#,
            r#""{\"a\":1}""#,
            r#""[1,2]""#,
            r#"{"b":1,"a":[true,null,{"c":"d"}],"b":2}"#,
            "[]",
            r#"[1, "x", 2.5, {"k": []}]"#,
        ];
        for text in samples {
            for ty in TYPES {
                assert_eq!(direct(text, ty), via_json_value(text, ty), "{text} as {ty:?}");
            }
        }
    }

    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
            "[ -~é]{0,12}".prop_map(|s| serde_json::to_string(&s).expect("a string serializes")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4).prop_map(|kv| format!(
                    "{{{}}}",
                    kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
                )),
            ]
        })
    }

    proptest! {
        #[test]
        fn random_json_reads_as_the_json_value_route_converts_it(text in json_text(), t in 0..TYPES.len()) {
            prop_assert_eq!(direct(&text, TYPES[t]), via_json_value(&text, TYPES[t]));
        }
    }
}
