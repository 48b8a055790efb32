//! The OpenAPI schemas of the request parts whose rules live in `saga-core`'s domain types,
//! built from the same constants the parsers use, so the published document cannot state a
//! rule the server does not enforce (or miss one it does).

use saga_core::domain::{
    IDEMPOTENCY_KEY_PATTERN, ITEM_PATTERN, MAX_IDEMPOTENCY_KEY_LEN, MAX_ITEM_CHARS,
};
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

/// `item`: what [`saga_core::Item::parse`] accepts (lengths in characters).
pub fn item() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_ITEM_CHARS))
        .pattern(Some(ITEM_PATTERN))
        .examples(["standard meal"])
}

/// `Idempotency-Key`: what [`saga_core::IdempotencyKey::parse`] accepts.
pub fn idempotency_key() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_IDEMPOTENCY_KEY_LEN))
        .pattern(Some(IDEMPOTENCY_KEY_PATTERN))
        .examples(["order-2026-11-25-0001"])
}

/// An order id: what [`saga_core::OrderId`] accepts, a positive 64-bit integer.
pub fn order_id() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(i64::MAX))
        .examples([1])
}

/// An order's status.
pub fn status() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["PENDING", "COMPLETED", "CANCELLED"]))
}

/// An RFC 3339 timestamp.
pub fn timestamp() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

/// The headers `POST /place-order` reads. `IntoParams` is written out because utoipa's derive
/// drops `required` and the description of a `schema_with` field.
pub struct PlaceOrderHeaders;

impl IntoParams for PlaceOrderHeaders {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            parameter(
                "Idempotency-Key",
                ParameterIn::Header,
                Required::False,
                "1-255 visible ASCII characters. A retry with the same key returns the same \
                 order, never a second one; the same key with a different item is 409. Keys are \
                 scoped to the API key that sent them.",
                idempotency_key(),
            ),
            parameter(
                "X-Correlation-ID",
                ParameterIn::Header,
                Required::False,
                "Any value is accepted: a well-formed one (1-128 of letters, digits, `-_.:`) is \
                 kept, anything else replaced by a fresh UUID; echoed on the response and carried \
                 by every event and log line.",
                ObjectBuilder::new().schema_type(Type::String),
            ),
        ]
    }
}

/// The path of `GET /orders/{order_id}`.
pub struct OrderPath;

impl IntoParams for OrderPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![parameter(
            "order_id",
            ParameterIn::Path,
            Required::True,
            "The id `POST /place-order` returned.",
            order_id(),
        )]
    }
}

fn parameter(
    name: &str,
    location: ParameterIn,
    required: Required,
    description: &str,
    schema: ObjectBuilder,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(required)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}
