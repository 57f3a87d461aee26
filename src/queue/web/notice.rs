//! The public privacy notice: the agency's Markdown (`[privacy] notice_path`) rendered with
//! a CommonMark library inside the site's layout.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use pulldown_cmark::{html, Event, Options, Parser};

use super::render::{render, Layout};
use crate::app::state::AppState;

/// Shipped in the binary: served when the configured file cannot be read, so the link sent
/// to every citizen never answers an error.
const BUILTIN_NOTICE: &str = include_str!("../../../config/aviso-de-privacidad.md");

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    layout: Layout,
    /// Rendered from Markdown with raw HTML escaped, so it is safe as it stands.
    body: String,
}

/// `GET /aviso-de-privacidad`, read from disk on each request (edit it; no restart).
pub async fn page(State(state): State<AppState>) -> Response {
    let path = &state.config.privacy.notice_path;
    let text = match tokio::fs::read_to_string(path).await {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "privacy notice unreadable; serving the built-in one");
            BUILTIN_NOTICE.to_owned()
        }
    };
    let page = NoticePage {
        layout: Layout::new(title(&text), "aviso", None),
        body: to_html(&text),
    };
    let mut response = render(StatusCode::OK, &page);
    let h = response.headers_mut();
    // Public and the same for everyone: caches may keep it an hour.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    // The layout's own stylesheet and script, nothing inline, nothing from elsewhere.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The notice's first heading, for the page title.
fn title(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Aviso de privacidad".to_owned())
}

/// CommonMark (with tables) to HTML. Raw HTML in the file is shown as text: the notice is
/// an agency's document, and nothing in it should be able to run in a citizen's browser.
pub fn to_html(text: &str) -> String {
    let events = Parser::new_ext(text, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html_and_raw_html_stays_text() {
        let html = to_html(
            "# Aviso\n\nTexto con **énfasis** y [enlace](https://gob.mx).\n\n\
             1. uno\n2. dos\n\n<script>alert(1)</script>\n",
        );
        assert!(html.contains("<h1>Aviso</h1>"), "{html}");
        assert!(html.contains("<strong>énfasis</strong>"), "{html}");
        assert!(
            html.contains("<a href=\"https://gob.mx\">enlace</a>"),
            "{html}"
        );
        assert!(html.contains("<ol>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn the_shipped_notice_renders_with_its_title() {
        assert_eq!(
            title("\n# Aviso de privacidad integral\n\nx"),
            "Aviso de privacidad integral"
        );
        assert_eq!(title("sin título"), "Aviso de privacidad");
        assert!(to_html(BUILTIN_NOTICE).contains("<h2>"));
    }
}
