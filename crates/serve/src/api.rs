//! The routes: the page, and the JSON API scripts can use too (see the README).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tower::limit::GlobalConcurrencyLimitLayer;
use zoo_core::ImageClassifier;

use crate::analysis::{Analysis, BlockSimilarity, ClassProbability, Shift};
use crate::store::AnalysisStore;
use crate::upload::Upload;
use crate::worker::Worker;
use crate::{ApiError, ServeError, ServeOptions, ServedModel, assets};

/// A layer as `/api/model` and `/api/analyze` list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerEntry {
    /// `conv1`, `pool1`, `features.4`, or `input`.
    pub name: String,
    /// `Conv2d+ReLU`, `MaxPool2d`, `Input`.
    pub kind: String,
    /// `[channels, height, width]`.
    pub shape: [usize; 3],
    /// Where its feature-map grid is (`/api/analyze` only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
}

/// `GET /api/model`: what the server runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The run's name.
    pub title: String,
    /// The model's name (`LectureCnn`, `VGG-16`).
    pub model: String,
    /// One name per output.
    pub classes: Vec<String>,
    /// Uploads are decoded to this `[c, h, w]` (the dataset's images).
    pub image_shape: [usize; 3],
    /// The model's input `[c, h, w]` after padding or resizing.
    pub input_shape: [usize; 3],
    /// Every feature-map layer, shallowest first.
    pub layers: Vec<LayerEntry>,
    /// The blocks whose similarity a shift reports.
    pub blocks: Vec<String>,
    /// The largest shift along each axis, in pixels.
    pub max_shift: i32,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
}

/// `POST /api/predict`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictResponse {
    /// The shift applied.
    pub shift: Shift,
    /// The most probable classes, most probable first.
    pub top: Vec<ClassProbability>,
}

/// `POST /api/analyze`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeResponse {
    /// The analysis' id in `/api/maps/<id>/<layer>` (kept while recent).
    pub id: u64,
    /// The shift applied.
    pub shift: Shift,
    /// The top-5 of the shifted input.
    pub top: Vec<ClassProbability>,
    /// The top-5 of the input unshifted.
    pub unshifted_top: Vec<ClassProbability>,
    /// The shifted input as the model sees it.
    pub input: LayerEntry,
    /// Every feature-map layer with the URL of its grid.
    pub layers: Vec<LayerEntry>,
    /// Per block, the cosine similarity of the shifted input's features to the original's.
    pub blocks: Vec<BlockSimilarity>,
}

struct AppState {
    worker: Worker,
    store: AnalysisStore,
    info: ModelInfo,
    filters: Bytes,
    max_channels: Option<usize>,
}

type Shared = State<Arc<AppState>>;

/// The query of the POST routes: `?dx=1&dy=-2&k=5`.
#[derive(Debug, Deserialize)]
struct InputQuery {
    #[serde(default)]
    dx: i32,
    #[serde(default)]
    dy: i32,
    k: Option<usize>,
}

/// The query of the map route: `?channels=N` (0: all).
#[derive(Debug, Deserialize)]
struct MapQuery {
    channels: Option<usize>,
}

/// Builds the app for `served`: checks the model on a blank image, draws its filters, moves it
/// onto its thread and returns the routes.
pub fn router<M: ImageClassifier>(
    served: ServedModel<M>,
    options: &ServeOptions,
) -> Result<Router, ServeError> {
    let blank = vec![0u8; served.stored_shape.iter().product()];
    let probe = served
        .analyze(&blank, Shift::default())
        .map_err(|e| ServeError::Model(format!("{e:#}")))?;
    let filters = crate::render::filters(&served.model).map_err(ServeError::Model)?;
    let info = ModelInfo {
        title: served.title.clone(),
        model: served.model.name(),
        classes: served.classes.clone(),
        image_shape: served.stored_shape,
        input_shape: probe.input.shape,
        layers: probe.layers.iter().map(|l| entry(l, None)).collect(),
        blocks: probe.blocks.iter().map(|b| b.name.clone()).collect(),
        max_shift: options.max_shift,
        max_upload_bytes: options.max_upload_bytes,
    };
    let state = Arc::new(AppState {
        worker: Worker::start(served),
        store: AnalysisStore::new(options.map_cache_bytes),
        max_channels: zoo_train::visualize::VisualizeOptions::default_max_channels(
            info.input_shape,
        ),
        info,
        filters: filters.into(),
    });
    let uploads = Router::new()
        .route("/api/predict", post(predict))
        .route("/api/analyze", post(analyze))
        .layer(DefaultBodyLimit::max(options.max_upload_bytes))
        .layer(GlobalConcurrencyLimitLayer::new(
            options.concurrent_uploads.max(1),
        ));
    Ok(Router::new()
        .route("/", get(|| async { Html(assets::INDEX) }))
        .route(
            "/app.js",
            get(|| async { asset(assets::APP_JS, "text/javascript") }),
        )
        .route(
            "/style.css",
            get(|| async { asset(assets::STYLE, "text/css") }),
        )
        .route("/api/model", get(model_info))
        .route("/api/filters", get(filters_png))
        .route("/api/maps/{id}/{layer}", get(map_png))
        .merge(uploads)
        .fallback(|| async { ApiError::not_found("no such page or API route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed here (the API's uploads are POST, the rest GET)",
            )
        })
        .with_state(state))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type)], body).into_response()
}

fn png(bytes: impl Into<Bytes>) -> Response {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "private, max-age=600"),
        ],
        bytes.into(),
    )
        .into_response()
}

fn entry(maps: &crate::analysis::LayerMaps, url: Option<String>) -> LayerEntry {
    LayerEntry {
        name: maps.name.clone(),
        kind: maps.kind.clone(),
        shape: maps.shape,
        url,
    }
}

async fn model_info(State(state): Shared) -> Json<ModelInfo> {
    Json(state.info.clone())
}

async fn filters_png(State(state): Shared) -> Response {
    png(state.filters.clone())
}

/// The shift of a query, checked against the largest allowed.
fn shift_of(
    query: Result<Query<InputQuery>, QueryRejection>,
    max: i32,
) -> Result<(Shift, Option<usize>), ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    for (axis, value) in [("dx", query.dx), ("dy", query.dy)] {
        if value.abs() > max {
            return Err(ApiError::bad_request(format!(
                "{axis}: {value} is outside -{max}..={max}"
            )));
        }
    }
    if query.k == Some(0) {
        return Err(ApiError::bad_request("k: must be at least 1"));
    }
    Ok((
        Shift {
            dx: query.dx,
            dy: query.dy,
        },
        query.k,
    ))
}

async fn predict(
    State(state): Shared,
    query: Result<Query<InputQuery>, QueryRejection>,
    Upload(image): Upload,
) -> Result<Json<PredictResponse>, ApiError> {
    let (shift, k) = shift_of(query, state.info.max_shift)?;
    let k = k.unwrap_or(5);
    let top = state.worker.predict(image, shift, k).await?;
    Ok(Json(PredictResponse { shift, top }))
}

async fn analyze(
    State(state): Shared,
    query: Result<Query<InputQuery>, QueryRejection>,
    Upload(image): Upload,
) -> Result<Json<AnalyzeResponse>, ApiError> {
    let (shift, _) = shift_of(query, state.info.max_shift)?;
    let analysis = state.worker.analyze(image, shift).await?;
    let (id, analysis) = state.store.insert(analysis);
    Ok(Json(response(id, &analysis)))
}

fn response(id: u64, analysis: &Analysis) -> AnalyzeResponse {
    let url = |name: &str| Some(format!("/api/maps/{id}/{name}"));
    AnalyzeResponse {
        id,
        shift: analysis.shift,
        top: analysis.top.clone(),
        unshifted_top: analysis.unshifted_top.clone(),
        input: entry(&analysis.input, url("input")),
        layers: analysis
            .layers
            .iter()
            .map(|l| entry(l, url(&l.name)))
            .collect(),
        blocks: analysis.blocks.clone(),
    }
}

async fn map_png(
    State(state): Shared,
    path: Result<Path<(u64, String)>, PathRejection>,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((id, layer)) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let analysis = state.store.get(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "analysis {id} is unknown or was dropped for newer ones: POST /api/analyze again"
        ))
    })?;
    if analysis.layer(&layer).is_none() {
        return Err(ApiError::not_found(format!(
            "analysis {id} has no layer '{layer}' (see its 'layers')"
        )));
    }
    let max_channels = match query.channels {
        Some(0) => None,
        Some(n) => Some(n),
        None => state.max_channels,
    };
    let bytes = tokio::task::spawn_blocking(move || {
        let maps = analysis.layer(&layer).expect("checked above");
        crate::render::layer(maps, max_channels)
    })
    .await
    .map_err(|e| ApiError::internal(format!("drawing the map: {e}")))?
    .map_err(ApiError::internal)?;
    Ok(png(bytes))
}
