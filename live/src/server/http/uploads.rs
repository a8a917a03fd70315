//! Serving the default store's files at `UploadConfig::url_path`: only names the store
//! could have written (no traversal), with their content type, `nosniff`, and
//! `Content-Disposition: attachment` for anything but raster images.

use super::{base, plain};
use crate::upload::LocalDirStore;
use crate::upload::store_names::{content_type_of, is_stored_name};
use ::http::header::{ALLOW, CONTENT_DISPOSITION};
use ::http::{Method, Response, StatusCode};
use bytes::Bytes;

/// The response for `path` if it is under the store's URL path; `None` otherwise.
///
/// Reads the file with a blocking read: stored files are bounded by the upload size limit.
pub(crate) fn serve_upload(
    store: Option<&LocalDirStore>,
    method: &Method,
    path: &str,
) -> Option<Response<Bytes>> {
    let store = store?;
    let name = path.strip_prefix(store.url_path())?;
    if method != Method::GET && method != Method::HEAD {
        let extra = [(ALLOW, "GET, HEAD")];
        return Some(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed\n",
            &extra,
        ));
    }
    let not_found = || plain(StatusCode::NOT_FOUND, "Not found\n", &[]);
    if !is_stored_name(name) {
        return Some(not_found());
    }
    let Ok(body) = std::fs::read(store.dir().join(name)) else {
        return Some(not_found());
    };
    let (content_type, inline) = content_type_of(name);
    let extra = if inline {
        Vec::new()
    } else {
        vec![(CONTENT_DISPOSITION, "attachment")]
    };
    let response = base(StatusCode::OK, content_type, &extra).body(Bytes::from(body));
    Some(response.unwrap_or_else(|_| not_found()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn stored_files_are_served_and_traversal_is_refused() {
        let dir = std::env::temp_dir().join(format!("live-serve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("ab.png"), b"png").expect("write");
        std::fs::write(dir.join("ab.pdf"), b"pdf").expect("write");
        let store = LocalDirStore::new(&dir, "/uploads/");
        let get = |path: &str| serve_upload(Some(&store), &Method::GET, path);
        let header = |response: &Response<Bytes>, name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let png = get("/uploads/ab.png").expect("served");
        assert_eq!(png.status(), StatusCode::OK);
        assert_eq!(header(&png, "content-type").as_deref(), Some("image/png"));
        assert_eq!(
            header(&png, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(header(&png, "content-disposition"), None);
        let pdf = get("/uploads/ab.pdf").expect("served");
        assert_eq!(
            header(&pdf, "content-disposition").as_deref(),
            Some("attachment")
        );
        for bad in [
            "/uploads/../Cargo.toml",
            "/uploads/.partial",
            "/uploads/a/b",
            "/uploads/",
        ] {
            assert_eq!(
                get(bad).map(|r| r.status()),
                Some(StatusCode::NOT_FOUND),
                "{bad}"
            );
        }
        assert!(get("/other").is_none());
        assert!(serve_upload(None, &Method::GET, "/uploads/ab.png").is_none());
        let post = serve_upload(Some(&store), &Method::POST, "/uploads/ab.png").expect("answered");
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
