//! The HTTP routes every server shares, over the `http` crate's types: a request's method
//! and path in, an `http::Response<Bytes>` out. The standalone server calls them from its
//! hyper connection ([`connection`]); the axum and actix-web adapters mount them through
//! `LiveServer::axum_pages` and `LiveServer::actix_pages`. The WebSocket endpoint itself is
//! each server's own.

#[cfg(feature = "standalone")]
pub(crate) mod connection;
#[cfg(any(feature = "standalone", feature = "axum", feature = "actix"))]
mod uploads;

#[cfg(any(feature = "standalone", feature = "axum", feature = "actix"))]
pub(crate) use uploads::serve_upload;

use ::http::header::{ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use ::http::{HeaderName, Method, Response, StatusCode};
use bytes::Bytes;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A page served on `GET` and `HEAD` of one exact path.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// The `Content-Type` header.
    pub(crate) content_type: &'static str,
    /// The response body.
    pub(crate) body: Body,
}

/// A page's body: fixed, or made anew for each request (e.g. `/metrics`).
#[derive(Clone)]
pub(crate) enum Body {
    /// The same text every time.
    Static(&'static str),
    /// Rendered on each request.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    Rendered(Arc<dyn Fn() -> String + Send + Sync>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Static(text) => f.debug_tuple("Static").field(&text.len()).finish(),
            Body::Rendered(_) => f.write_str("Rendered"),
        }
    }
}

/// The registered pages by exact path (the query string is ignored when matching).
pub(crate) type Pages = HashMap<String, Page>;

/// `X-Content-Type-Options`, which the `http` crate does not name.
const CONTENT_TYPE_OPTIONS: HeaderName = HeaderName::from_static("x-content-type-options");

/// Answers a request that is not for the WebSocket endpoint: the page on `GET` (`HEAD`: the
/// server leaves the body out), 405 for other methods on a page path, 404 elsewhere. Every
/// response closes the connection.
#[cfg_attr(
    not(any(feature = "standalone", feature = "axum", feature = "actix")),
    allow(dead_code)
)]
pub(crate) fn respond(pages: &Pages, method: &Method, path: &str) -> Response<Bytes> {
    match pages.get(path) {
        Some(page) if method == Method::GET || method == Method::HEAD => page_response(page),
        Some(_) => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed\n",
            &[(ALLOW, "GET, HEAD")],
        ),
        None => plain(StatusCode::NOT_FOUND, "Not found\n", &[]),
    }
}

/// `200 OK` with the page.
fn page_response(page: &Page) -> Response<Bytes> {
    let body = match &page.body {
        Body::Static(text) => Bytes::from_static(text.as_bytes()),
        Body::Rendered(render) => Bytes::from(render()),
    };
    let response = base(StatusCode::OK, page.content_type, &[]).body(body);
    // `build` refuses content types that are not header values; this cannot fail.
    response.unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Bad page\n", &[]))
}

/// An error status with a short plain-text body.
fn plain(status: StatusCode, text: &'static str, extra: &[(HeaderName, &str)]) -> Response<Bytes> {
    let response =
        base(status, "text/plain; charset=utf-8", extra).body(Bytes::from_static(text.as_bytes()));
    // Every header here is a valid static value; an empty response is the safe fallback.
    response.unwrap_or_default()
}

/// The headers every response carries; `Content-Length` is the server's to add.
fn base(
    status: StatusCode,
    content_type: &str,
    extra: &[(HeaderName, &str)],
) -> ::http::response::Builder {
    let mut builder = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .header(CACHE_CONTROL, "no-cache")
        .header(CONTENT_TYPE_OPTIONS, "nosniff");
    for (name, value) in extra {
        builder = builder.header(name, *value);
    }
    if !extra.iter().any(|(name, _)| name == CONNECTION) {
        builder = builder.header(CONNECTION, "close");
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages() -> Pages {
        let mut pages = Pages::new();
        pages.insert(
            "/".to_owned(),
            Page {
                content_type: "text/html; charset=utf-8",
                body: Body::Static("<p>hi</p>"),
            },
        );
        pages
    }

    fn header<'a>(response: &'a Response<Bytes>, name: &str) -> Option<&'a str> {
        response.headers().get(name)?.to_str().ok()
    }

    #[test]
    fn a_page_is_served_on_get_and_head() {
        for method in [Method::GET, Method::HEAD] {
            let page = respond(&pages(), &method, "/");
            assert_eq!(page.status(), StatusCode::OK);
            assert_eq!(
                header(&page, "content-type"),
                Some("text/html; charset=utf-8")
            );
            assert_eq!(header(&page, "cache-control"), Some("no-cache"));
            assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
            assert_eq!(header(&page, "connection"), Some("close"));
            assert_eq!(page.body().as_ref(), b"<p>hi</p>");
        }
    }

    #[test]
    fn other_methods_and_paths_are_refused() {
        let post = respond(&pages(), &Method::POST, "/");
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header(&post, "allow"), Some("GET, HEAD"));
        let missing = respond(&pages(), &Method::GET, "/nope");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.body().as_ref(), b"Not found\n");
        assert_eq!(
            header(&missing, "content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
}
