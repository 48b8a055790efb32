//! `GET /violations`: the auditor's latest findings as JSON, for the explorer to mark the
//! orders they concern, with the counts by property since the auditor started.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use crate::judge::Judge;

/// The route, reading `judge`.
pub fn router(judge: Arc<Mutex<Judge>>) -> Router {
    Router::new().route(
        "/violations",
        get(move || {
            let judge = judge.clone();
            async move { axum::Json(listing(&judge.lock().expect("judge lock"))) }
        }),
    )
}

fn listing(judge: &Judge) -> Value {
    let recent: Vec<Value> = judge
        .recent()
        .map(|v| {
            json!({
                "property": v.property.name(),
                "order_id": v.order_id.map(|o| o.get()),
                "detail": v.detail,
            })
        })
        .collect();
    let counts: serde_json::Map<String, Value> = judge
        .counts()
        .iter()
        .map(|(p, n)| (p.name().to_owned(), json!(n)))
        .collect();
    json!({"counts": counts, "recent": recent})
}
