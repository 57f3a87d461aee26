//! The two webhook handlers.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::json;

use super::batch::{build_batch, BatchContext};
use super::Webhook;
use crate::error::{ApiResult, AppError};
use crate::telemetry::metrics::metrics;
use crate::whatsapp::{verify_signature, verify_token_matches, SignatureError};

/// Meta's subscription handshake: echo `hub.challenge` as plain text when the token matches.
/// There is no signature on this GET, so none is checked.
pub async fn verify(
    State(state): State<Webhook>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let expected = state.config.whatsapp.verify_token.as_ref();
    let mode_ok = params.get("hub.mode").map(String::as_str) == Some("subscribe");
    let token_ok = match (expected, params.get("hub.verify_token")) {
        (Some(expected), Some(given)) => verify_token_matches(expected.expose(), given),
        _ => false,
    };
    match params.get("hub.challenge") {
        Some(challenge) if mode_ok && token_ok => {
            tracing::info!("webhook subscription verified");
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge.clone(),
            )
                .into_response()
        }
        _ => {
            tracing::warn!(mode_ok, token_ok, "webhook verification refused");
            (StatusCode::FORBIDDEN, "verificación rechazada").into_response()
        }
    }
}

/// A signed notification. Order matters: size limit, signature over the raw bytes, and
/// only then parsing; a body that does not parse is still stored (flagged) and answered 200
/// so that Meta stops retrying it, while a database failure answers 503 so that Meta does.
pub async fn receive(
    State(state): State<Webhook>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let started = std::time::Instant::now();
    let result = store_delivery(&state, &headers, body).await;
    let outcome = match &result {
        Ok((_, outcome)) => *outcome,
        Err(AppError::Unauthorized(_)) => "unauthorized",
        Err(AppError::PayloadTooLarge) => "too_large",
        Err(AppError::Store(_)) => "unavailable",
        Err(_) => "bad_request",
    };
    metrics().webhook(outcome);
    if result.is_ok() {
        metrics().ingest_latency(started.elapsed());
    }
    result.map(|(response, _)| response)
}

async fn store_delivery(
    state: &Webhook,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(Response, &'static str)> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(rejection.body_text())
        }
    })?;
    let secret = state
        .config
        .whatsapp
        .app_secret
        .as_ref()
        .ok_or(AppError::NotConfigured("WHATSAPP_APP_SECRET"))?;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if let Err(e) = verify_signature(secret.expose().as_bytes(), signature, &body) {
        super::REFUSED_SIGNATURES.record(match e {
            SignatureError::Missing => "missing",
            SignatureError::Malformed => "malformed",
            SignatureError::Mismatch => "mismatch",
        });
        return Err(AppError::Unauthorized(e.to_string()));
    }

    let ctx = BatchContext {
        registry: &state.registry.current(),
        classifier: &state.classifier,
        deadlines: &state.config.deadlines,
        received_at: Utc::now(),
        location_window: chrono::Duration::from_std(state.config.location_window)
            .unwrap_or(chrono::Duration::minutes(15)),
        pseudonyms: &state.pseudonyms,
        join_words: &state.join_words,
        notice_url: &state.config.privacy.notice_url,
    };
    let batch = build_batch(&body, &ctx);
    let outcome_kind = batch.delivery.outcome.as_str();
    let (messages, statuses) = (batch.messages.len(), batch.statuses.len());
    let queued = batch.messages.iter().any(|m| m.plan.is_some());
    let stored = state.store.ingest(batch).await?;
    if queued && stored.messages_inserted > 0 {
        state.outbox_wakeup.notify_one();
        // New reports reach the operators' live queue now, not at the next poll.
        state.changes.poke();
    }
    tracing::info!(
        delivery_id = stored.delivery_id,
        outcome = outcome_kind,
        messages,
        statuses,
        inserted = stored.messages_inserted,
        duplicate = stored.duplicate_delivery,
        "webhook stored"
    );
    let outcome = match (stored.duplicate_delivery, outcome_kind) {
        (true, _) => "duplicate",
        (false, "parsed") => "stored",
        (false, _) => "flagged",
    };
    let response = Json(json!({ "status": "ok", "delivery_id": stored.delivery_id }));
    Ok((response.into_response(), outcome))
}
