//! `POST /orders`: the order and its ORDER_CREATED outbox event, in one transaction.

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use saga_api::{ApiJson, PlaceOrderRequest, PlaceOrderResponse, input};
use saga_core::ports::{CreateOutcome, NewOrder};
use saga_core::{CorrelationId, TraceParent};

use crate::AppState;
use crate::error::OrderApiError;

pub(crate) async fn create_order(
    State(state): State<AppState>,
    Extension(correlation_id): Extension<CorrelationId>,
    Extension(trace): Extension<TraceParent>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PlaceOrderRequest>,
) -> Result<Response, OrderApiError> {
    let item = input::item(request.item)?;
    let idempotency_key = input::idempotency_key(&headers)?;
    let owner = input::owner(&headers)?;
    let new = NewOrder {
        item: item.clone(),
        correlation_id,
        idempotency_key,
        owner,
        event_id: state.deps.entropy.event_id(),
        created_at: state.deps.clock.now(),
        trace: Some(trace),
        schema: state.schema,
    };
    let outcome = state.deps.store.create_order(new).await?;
    let order = outcome.order();
    let body = PlaceOrderResponse {
        order_id: order.id.get(),
        status: order.status.as_str().to_owned(),
    };
    match &outcome {
        CreateOutcome::Created(order) => {
            metrics::counter!(saga_runtime::metrics::ORDERS_CREATED).increment(1);
            tracing::info!(order_id = %order.id, "order created");
            Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
        }
        CreateOutcome::Existing(order) if order.item != item => Err(OrderApiError::KeyReused),
        CreateOutcome::Existing(order) => {
            tracing::info!(order_id = %order.id, "idempotent retry returned the existing order");
            let replayed = [(saga_api::IDEMPOTENT_REPLAYED, "true")];
            Ok((StatusCode::ACCEPTED, replayed, axum::Json(body)).into_response())
        }
    }
}
