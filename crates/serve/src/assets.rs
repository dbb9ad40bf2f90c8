//! The page, embedded in the binary: no CDN, no external fonts (it works offline).

/// `GET /`.
pub(crate) const INDEX: &str = include_str!("../static/index.html");
/// `GET /app.js`.
pub(crate) const APP_JS: &str = include_str!("../static/app.js");
/// `GET /style.css`.
pub(crate) const STYLE: &str = include_str!("../static/style.css");
