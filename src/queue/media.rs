//! Serving fetched media to operators: through authenticated, region-scoped URLs, with a
//! content type we chose (never Meta's URLs, never a type the browser could run).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{ApiUser, WebUser};
use super::media_range::{self, Answer};
use super::openapi::Binary;
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::{AppError, ErrorBody};

/// The web app's media URL (session cookie; not part of the API).
pub fn router() -> Router<AppState> {
    Router::new().route("/media/{message_id}", get(web))
}

/// The API's media URL, documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api))
}

async fn web(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&state, &user.who, id, &headers).await
}

/// A message's photo, voice note, video or document, with Range and ETag.
#[utoipa::path(
    get,
    path = "/api/v1/media/{message_id}",
    tag = "cola",
    summary = "Adjunto de un mensaje (foto, nota de voz, video, documento); admite Range e If-None-Match",
    params(
        ("message_id" = i64, Path, description = "El `id` de un mensaje del detalle del reporte"),
        ("Range" = Option<String>, Header, description = "Un solo intervalo, `bytes=inicio-fin`"),
        ("If-None-Match" = Option<String>, Header, description = "El ETag de una copia anterior"),
    ),
    responses(
        (status = 200, description = "El archivo entero; `Content-Type` es el del archivo si se puede mostrar (imagen, audio, video, PDF) y si no `application/octet-stream` como descarga", body = Binary, content_type = "application/octet-stream"),
        (status = 206, description = "El intervalo pedido (`Content-Range`)", body = Binary, content_type = "application/octet-stream"),
        (status = 304, description = "La copia del cliente sigue vigente (sin cuerpo)"),
        (status = 400, description = "`message_id` no es un número", body = String, content_type = "text/plain"),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 404, description = "No existe, no se ha descargado, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 416, description = "El intervalo empieza después del final (sin cuerpo; `Content-Range: bytes */largo`)"),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    serve(&state, &who, id, &headers).await
}

/// Types shown inline; anything else is a download.
const INLINE: [&str; 12] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",
    "audio/amr",
    "audio/wav",
    "video/mp4",
    "video/3gpp",
];

pub async fn serve(
    state: &AppState,
    who: &Principal,
    message_id: i64,
    request: &HeaderMap,
) -> Result<Response, AppError> {
    let message = state
        .store
        .inbound_by_id(message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Media belongs to the region of the group it came from; unregistered senders' media
    // only to those who see every region.
    let registry = state.registry.current();
    let region = message
        .group_ref
        .as_deref()
        .and_then(|g| registry.group(g))
        .map(|g| g.region.clone());
    let visible = match &region {
        Some(r) => who.sees_region(r),
        None => who.regions.is_empty(),
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    let file = state
        .store
        .media_file(message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(sha) = file.sha256.filter(|_| file.state == "stored") else {
        return Err(AppError::NotFound);
    };
    let bytes = state
        .blobs
        .read(&sha)
        .await
        .map_err(|e| anyhow::anyhow!("media store: {e}"))?
        .ok_or(AppError::NotFound)?;
    let declared = file
        .mime_type
        .or(message.media_mime)
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let inline = INLINE.contains(&declared.as_str());
    let content_type = if inline || declared == "application/pdf" {
        declared.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    let name = download_name(message.media_filename.as_deref(), message_id, &declared);
    let disposition = if inline {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    let etag = media_range::etag(&sha);
    let len = bytes.len() as u64;
    let answer = media_range::answer(request, &etag, len);
    let mut response = match answer {
        Answer::NotModified | Answer::Unsatisfiable => Body::empty().into_response(),
        Answer::Full => Body::from(bytes).into_response(),
        Answer::Partial { start, end } => {
            let mut bytes = bytes;
            bytes.truncate(end as usize + 1);
            bytes.drain(..start as usize);
            Body::from(bytes).into_response()
        }
    };
    *response.status_mut() = answer.status();
    let h = response.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).map_err(anyhow::Error::from);
    h.insert(header::ETAG, value(&etag)?);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // A citizen's photo must not outlive the session (or an erasure) in the browser's cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match answer {
        Answer::Partial { start, end } => {
            h.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {start}-{end}/{len}"))?,
            );
        }
        Answer::Unsatisfiable => {
            h.insert(header::CONTENT_RANGE, value(&format!("bytes */{len}"))?);
        }
        Answer::NotModified | Answer::Full => {}
    }
    if answer != Answer::NotModified {
        h.insert(header::CONTENT_TYPE, value(&content_type)?);
        h.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // Even a document opened in a tab cannot run anything.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            ),
        );
    }
    Ok(response)
}

/// A safe file name: the sender's name reduced to plain characters, or one we make up.
fn download_name(original: Option<&str>, id: i64, mime: &str) -> String {
    let cleaned: String = original
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if !cleaned.is_empty() {
        return cleaned;
    }
    let ext = match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "video/mp4" => "mp4",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    format!("adjunto-{id}.{ext}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_plain() {
        assert_eq!(
            super::download_name(Some("../../etc/pass\"wd.pdf"), 1, "application/pdf"),
            "etcpasswd.pdf"
        );
        assert_eq!(super::download_name(None, 7, "audio/ogg"), "adjunto-7.ogg");
    }
}
