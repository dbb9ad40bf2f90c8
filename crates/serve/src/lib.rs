//! A local web page and JSON API to explore a trained CNN of the zoo: draw or upload an image,
//! see the top-5, the feature maps of every layer, the first-layer filters, and what shifting
//! the input by a few pixels does to each block's features (the lecture's claim about max
//! pooling).
//!
//! The model is loaded once and owned by a thread of its own, which decodes uploads and runs
//! the forward passes one at a time; the async threads (axum on tokio) only move bytes. Uploads
//! are preprocessed as the `predict` command preprocesses files.
//!
//! ```no_run
//! # fn demo(model: lecture_cnn::LectureCnn, config: &zoo_train::TrainConfig<lecture_cnn::LectureCnnConfig>) {
//! use zoo_serve::{ServeOptions, ServedModel, serve};
//!
//! let served = ServedModel::from_run(model, config, "my run", burn::tensor::Device::flex());
//! serve(served, &ServeOptions::default()).expect("serving");
//! # }
//! ```
//!
//! The API (all errors are `{"error": "..."}` with a 4xx or 5xx status):
//! - `POST /api/predict[?dx=&dy=&k=]`: the image as the body (`image/png`, `image/jpeg`) or the
//!   field `image` of `multipart/form-data`; answers [`PredictResponse`].
//! - `POST /api/analyze[?dx=&dy=]`: the same upload; answers [`AnalyzeResponse`] (top-5,
//!   shifted and not, each block's cosine similarity, the layers with their map URLs).
//! - `GET /api/maps/<id>/<layer>[?channels=N]`: a layer's feature maps as a PNG grid (`input`:
//!   the input as the model sees it).
//! - `GET /api/filters`: the first-layer filters as a PNG grid.
//! - `GET /api/model`: [`ModelInfo`] (classes, shapes, layers, limits).

pub mod analysis;
mod api;
mod assets;
pub mod decode;
mod error;
mod model;
mod options;
mod render;
mod server;
mod store;
mod upload;
mod worker;

pub use api::{AnalyzeResponse, LayerEntry, ModelInfo, PredictResponse, router};
pub use error::{ApiError, ServeError};
pub use model::ServedModel;
pub use options::{
    DEFAULT_HOST, DEFAULT_MAP_CACHE_MIB, DEFAULT_MAX_UPLOAD_MIB, DEFAULT_PORT, MIB, ServeOptions,
};
pub use server::serve;
pub use upload::Upload;
