//! The JSON API without a network (tower's `oneshot`): answers on real Fashion-MNIST test
//! images equal the `predict` command's path, analyses show every layer, bad requests get the
//! right 4xx with a JSON error and the server keeps serving, 100 concurrent requests succeed.

use std::path::PathBuf;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use burn::tensor::Device;
use lecture_cnn::{LectureCnn, LectureCnnConfig};
use serde_json::Value;
use tower::ServiceExt;
use zoo_core::ModelConfig;
use zoo_datasets::{DatasetKind, ImageSet, bundled_fashion_mnist};
use zoo_serve::analysis::ClassProbability;
use zoo_serve::{AnalyzeResponse, ModelInfo, PredictResponse, ServeOptions, ServedModel, router};
use zoo_train::TrainConfig;
use zoo_train::config::Strategy;
use zoo_train::{OptimizerKind, Schedule};

/// A Fashion-MNIST run's configuration, as `train` writes it.
fn run_config(classes: Vec<String>) -> TrainConfig<LectureCnnConfig> {
    TrainConfig {
        family: "lecture-cnn".into(),
        model: LectureCnnConfig::new(10).with_in_channels(1),
        dataset: DatasetKind::FashionMnist,
        data_dir: None,
        classes,
        image_shape: [1, 28, 28],
        input_shape: [1, 32, 32],
        normalization: DatasetKind::FashionMnist.normalization(),
        augmentation: None,
        train_limit: None,
        validation_split: 0.0,
        epochs: 1,
        batch_size: 64,
        learning_rate: 1e-3,
        optimizer: OptimizerKind::Adam,
        momentum: 0.9,
        weight_decay: 0.0,
        schedule: Schedule::Constant,
        warmup_epochs: 0,
        seed: 1,
        patience: None,
        workers: 1,
        devices: vec![0],
        strategy: Strategy::Multi,
        weights: None,
        freeze_features: false,
    }
}

struct Fixture {
    app: Router,
    model: LectureCnn,
    config: TrainConfig<LectureCnnConfig>,
    test: ImageSet,
    device: Device,
}

fn fixture(options: &ServeOptions) -> Fixture {
    let device = Device::flex();
    let data = bundled_fashion_mnist().unwrap();
    let config = run_config(data.test.classes().to_vec());
    let model = config.model.build(&device).unwrap();
    let served = ServedModel::from_run(model.clone(), &config, "test run", device.clone());
    Fixture {
        app: router(served, options).unwrap(),
        model,
        config,
        test: data.test,
        device,
    }
}

/// Test image `index` as a PNG file's bytes.
fn png(test: &ImageSet, index: usize) -> Vec<u8> {
    let image = image::GrayImage::from_raw(28, 28, test.image(index).to_vec()).unwrap();
    encode(
        image::DynamicImage::ImageLuma8(image),
        image::ImageFormat::Png,
    )
}

fn encode(image: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

fn post(uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut request = Request::post(uri);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(Body::from(body)).unwrap()
}

fn multipart(field: &str, body: &[u8]) -> Request<Body> {
    let boundary = "zoo-boundary-7d3f";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(body);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    post(
        "/api/predict",
        Some(&format!("multipart/form-data; boundary={boundary}")),
        form,
    )
}

/// Sends `request`; its status, content type and body.
async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, content_type, body.to_vec())
}

async fn json<T: serde::de::DeserializeOwned>(app: &Router, request: Request<Body>) -> T {
    let (status, _, body) = send(app, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// A refused request: `status`, a JSON `{"error": ...}` containing `needle`.
async fn refused(app: &Router, request: Request<Body>, status: StatusCode, needle: &str) {
    let (got, content_type, body) = send(app, request).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(got, status, "{text}");
    assert_eq!(content_type, "application/json", "{text}");
    let error: Value = serde_json::from_slice(&body).unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains(needle),
        "expected '{needle}' in '{message}'"
    );
    assert!(!message.contains('\n'), "one line: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predictions_equal_the_predict_command_on_real_test_images() {
    let f = fixture(&ServeOptions::default());
    let dir = tempfile::tempdir().unwrap();
    // 40 files: `predict` runs them as two batches (32 + 8), the server one at a time.
    let paths: Vec<PathBuf> = (0..40)
        .map(|i| {
            let path = dir.path().join(format!("test-{i}.png"));
            std::fs::write(&path, png(&f.test, i)).unwrap();
            path
        })
        .collect();
    let expected = zoo_train::predict::predict(&f.model, &f.config, &paths, 5, &f.device).unwrap();
    for (path, want) in paths.iter().zip(&expected) {
        let bytes = std::fs::read(path).unwrap();
        let got: PredictResponse = json(
            &f.app,
            post("/api/predict", Some("image/png"), bytes.clone()),
        )
        .await;
        assert_eq!(got.top.len(), 5);
        for (g, (class, p)) in got.top.iter().zip(&want.top) {
            assert_eq!(&g.class, class, "{}", path.display());
            assert!(
                (g.probability - p).abs() < 1e-6,
                "{}: {} vs {p}",
                path.display(),
                g.probability
            );
            assert_eq!(f.config.classes[g.index], g.class);
        }
        // The same image as a form field answers the same.
        let form: PredictResponse = json(&f.app, multipart("image", &bytes)).await;
        assert_eq!(form, got);
    }
    // JPEG, and ?k=.
    let rgb = image::DynamicImage::ImageLuma8(
        image::GrayImage::from_raw(28, 28, f.test.image(0).to_vec()).unwrap(),
    );
    let top3: PredictResponse = json(
        &f.app,
        post(
            "/api/predict?k=3",
            Some("image/jpeg"),
            encode(rgb, image::ImageFormat::Jpeg),
        ),
    )
    .await;
    assert_eq!(top3.top.len(), 3);
}

/// The same classes with the same probabilities, to rounding (a batch of two, or a tapped pass
/// that runs the convolution and its ReLU apart, sums in another order than `predict`).
fn same_top(a: &[ClassProbability], b: &[ClassProbability]) {
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a.class, b.class);
        assert!(
            (a.probability - b.probability).abs() < 1e-6,
            "{a:?} vs {b:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_shows_every_layer_and_what_a_shift_changes() {
    let f = fixture(&ServeOptions::default());
    let info: ModelInfo = json(
        &f.app,
        Request::get("/api/model").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(info.input_shape, [1, 32, 32]);
    assert_eq!(info.image_shape, [1, 28, 28]);
    let names: Vec<&str> = info.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3"]
    );
    assert_eq!(info.layers[0].shape, [36, 32, 32]);
    assert_eq!(info.blocks, ["block1", "block2", "block3"]);

    let image = png(&f.test, 1);
    let still: AnalyzeResponse = json(
        &f.app,
        post("/api/analyze", Some("image/png"), image.clone()),
    )
    .await;
    let predicted: PredictResponse = json(
        &f.app,
        post("/api/predict", Some("image/png"), image.clone()),
    )
    .await;
    same_top(&still.top, &predicted.top);
    assert_eq!(still.unshifted_top, still.top);
    assert!(still.blocks.iter().all(|b| b.cosine == 1.0));
    assert_eq!(
        still
            .layers
            .iter()
            .map(|l| (&l.name, l.shape))
            .collect::<Vec<_>>(),
        info.layers
            .iter()
            .map(|l| (&l.name, l.shape))
            .collect::<Vec<_>>()
    );
    // Every layer's grid and the input are PNGs that are not blank.
    for layer in std::iter::once(&still.input).chain(&still.layers) {
        let url = layer.url.as_ref().unwrap();
        let (status, content_type, body) =
            send(&f.app, Request::get(url).body(Body::empty()).unwrap()).await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "image/png"),
            "{url}"
        );
        let picture = image::load_from_memory(&body).unwrap().to_luma8();
        let (lo, hi) = picture
            .pixels()
            .fold((255, 0), |(lo, hi), p| (p.0[0].min(lo), p.0[0].max(hi)));
        assert!(hi - lo > 100, "{url}: a blank picture ({lo}..{hi})");
    }
    let (status, content_type, _) = send(
        &f.app,
        Request::get("/api/filters").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "image/png")
    );

    // A shift: the unshifted top-5 stays, every block's features change, and so does the input
    // the model sees.
    let shifted: AnalyzeResponse = json(
        &f.app,
        post("/api/analyze?dx=3&dy=-2", Some("image/png"), image),
    )
    .await;
    same_top(&shifted.unshifted_top, &still.top);
    assert_eq!((shifted.shift.dx, shifted.shift.dy), (3, -2));
    assert_eq!(shifted.blocks.len(), 3);
    assert!(
        shifted
            .blocks
            .iter()
            .all(|b| b.cosine < 0.9999 && b.cosine > -1.0),
        "{:?}",
        shifted.blocks
    );
    let input = |a: &AnalyzeResponse| a.input.url.clone().unwrap();
    let (_, _, before) = send(
        &f.app,
        Request::get(input(&still)).body(Body::empty()).unwrap(),
    )
    .await;
    let (_, _, after) = send(
        &f.app,
        Request::get(input(&shifted)).body(Body::empty()).unwrap(),
    )
    .await;
    assert_ne!(before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_json_4xx_and_the_server_keeps_serving() {
    let options = ServeOptions {
        max_upload_bytes: 4_000,
        ..ServeOptions::default()
    };
    let f = fixture(&options);
    let good = png(&f.test, 2);
    use StatusCode as S;
    let app = &f.app;
    refused(
        app,
        post("/api/predict", Some("image/png"), b"not an image".to_vec()),
        S::BAD_REQUEST,
        "not a PNG or JPEG",
    )
    .await;
    refused(
        app,
        post(
            "/api/predict",
            Some("image/png"),
            good[..good.len() / 2].to_vec(),
        ),
        S::BAD_REQUEST,
        "cannot decode",
    )
    .await;
    refused(
        app,
        post("/api/predict", Some("image/png"), vec![]),
        S::BAD_REQUEST,
        "empty",
    )
    .await;
    refused(
        app,
        post("/api/predict", Some("text/plain"), good.clone()),
        S::UNSUPPORTED_MEDIA_TYPE,
        "text/plain",
    )
    .await;
    refused(
        app,
        post("/api/predict", None, good.clone()),
        S::UNSUPPORTED_MEDIA_TYPE,
        "no Content-Type",
    )
    .await;
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    refused(
        app,
        post("/api/predict", Some("image/png"), gif),
        S::UNSUPPORTED_MEDIA_TYPE,
        "Gif",
    )
    .await;
    refused(
        app,
        post("/api/predict", Some("image/png"), vec![0; 5_000]),
        S::PAYLOAD_TOO_LARGE,
        "over the server's upload limit",
    )
    .await;
    refused(
        app,
        multipart("picture", &good),
        S::BAD_REQUEST,
        "no field named 'image'",
    )
    .await;
    refused(
        app,
        multipart("image", &vec![7; 5_000]),
        S::PAYLOAD_TOO_LARGE,
        "the body is over the server's upload limit",
    )
    .await;
    refused(
        app,
        post("/api/predict", Some("multipart/form-data"), good.clone()),
        S::BAD_REQUEST,
        "form",
    )
    .await;
    refused(
        app,
        post("/api/analyze?dx=9", Some("image/png"), good.clone()),
        S::BAD_REQUEST,
        "dx: 9 is outside -4..=4",
    )
    .await;
    refused(
        app,
        post("/api/analyze?dy=up", Some("image/png"), good.clone()),
        S::BAD_REQUEST,
        "dy",
    )
    .await;
    refused(
        app,
        post("/api/predict?k=0", Some("image/png"), good.clone()),
        S::BAD_REQUEST,
        "k",
    )
    .await;
    // A header that claims 20,000 x 1 pixels is refused before decoding.
    let wide = encode(
        image::DynamicImage::new_luma8(20_000, 1),
        image::ImageFormat::Png,
    );
    assert!(wide.len() < 4_000, "{}", wide.len());
    refused(
        app,
        post("/api/predict", Some("image/png"), wide),
        S::PAYLOAD_TOO_LARGE,
        "too large",
    )
    .await;
    refused(
        app,
        Request::get("/api/maps/999/conv1")
            .body(Body::empty())
            .unwrap(),
        S::NOT_FOUND,
        "unknown",
    )
    .await;
    refused(
        app,
        Request::get("/api/maps/first/conv1")
            .body(Body::empty())
            .unwrap(),
        S::BAD_REQUEST,
        "",
    )
    .await;
    refused(
        app,
        Request::get("/nowhere").body(Body::empty()).unwrap(),
        S::NOT_FOUND,
        "no such",
    )
    .await;
    refused(
        app,
        Request::get("/api/predict").body(Body::empty()).unwrap(),
        S::METHOD_NOT_ALLOWED,
        "POST",
    )
    .await;
    // Still serving.
    let analysis: AnalyzeResponse = json(app, post("/api/analyze", Some("image/png"), good)).await;
    refused(
        app,
        Request::get(format!("/api/maps/{}/conv9", analysis.id))
            .body(Body::empty())
            .unwrap(),
        S::NOT_FOUND,
        "no layer 'conv9'",
    )
    .await;
    let (status, content_type, page) =
        send(app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, S::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("<canvas id=\"canvas\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_requests_are_all_answered() {
    let f = fixture(&ServeOptions::default());
    let requests = (0..100).map(|i| {
        let app = f.app.clone();
        let body = png(&f.test, i % 20);
        let uri = if i % 2 == 0 {
            "/api/predict"
        } else {
            "/api/analyze?dx=1"
        };
        tokio::spawn(async move { send(&app, post(uri, Some("image/png"), body)).await.0 })
    });
    let statuses: Vec<StatusCode> = futures_join(requests).await;
    assert_eq!(statuses.len(), 100);
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}
