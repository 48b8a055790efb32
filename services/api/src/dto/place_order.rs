//! The `POST /place-order` body: a JSON object with exactly one field, `item`. Deserialized by
//! hand because serde's derive also accepts a JSON array in field order (`["x"]` would be an
//! order for `x`).

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// `POST /place-order` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    /// What to order: 1 to 200 characters, no control characters, not only whitespace.
    #[schema(schema_with = crate::schema::item)]
    pub item: String,
}

const EXPECTING: &str = "a JSON object with exactly one field, `item`";

impl<'de> Deserialize<'de> for PlaceOrderRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_map` makes serde_json refuse anything but `{...}`.
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = PlaceOrderRequest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut item = None;
        while let Some(field) = map.next_key::<String>()? {
            match field.as_str() {
                "item" if item.is_some() => return Err(de::Error::duplicate_field("item")),
                "item" => item = Some(map.next_value::<String>()?),
                other => return Err(de::Error::unknown_field(other, &["item"])),
            }
        }
        let item = item.ok_or_else(|| de::Error::missing_field("item"))?;
        Ok(PlaceOrderRequest { item })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<PlaceOrderRequest, String> {
        serde_json::from_str(body).map_err(|e| e.to_string())
    }

    #[test]
    fn only_an_object_with_exactly_item_is_a_request() {
        assert_eq!(parse(r#"{"item":"tea"}"#).unwrap().item, "tea");
        for (body, says) in [
            (r#"["x"]"#, "invalid type: sequence, expected a JSON object"),
            (
                r#""x""#,
                "invalid type: string \"x\", expected a JSON object",
            ),
            ("null", "invalid type: null, expected a JSON object"),
            ("7", "invalid type: integer `7`, expected a JSON object"),
            (
                r#"{"item":"x","extra":1}"#,
                "unknown field `extra`, expected `item`",
            ),
            (r#"{"item":"x","item":"y"}"#, "duplicate field `item`"),
            ("{}", "missing field `item`"),
            (
                r#"{"item":1}"#,
                "invalid type: integer `1`, expected a string",
            ),
        ] {
            let error = parse(body).unwrap_err();
            assert!(error.starts_with(says), "{body}: {error}");
        }
    }

    #[test]
    fn serializes_as_the_object_it_reads() {
        let request = PlaceOrderRequest { item: "tea".into() };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(text, r#"{"item":"tea"}"#);
        assert_eq!(parse(&text).unwrap(), request);
    }
}
