//! The `vgg16` binary end to end: the lecture's VGG-16 table, and a small VGG trained,
//! evaluated and run on real Fashion-MNIST images through the shared command line, and VGG-11 at
//! 224x224 drawn by `visualize` and served by `serve`.

#![cfg(feature = "cli")]

use zoo_testing::serve::ServeProcess;

const BIN: &str = env!("CARGO_BIN_EXE_vgg16");

fn ok(args: &[&str]) -> String {
    zoo_testing::run_ok(BIN, args)
}

#[test]
fn summary_is_the_lectures_vgg16() {
    let out = ok(&["summary"]);
    assert!(out.contains("Total params: 138,357,544"), "{out}");
    assert!(out.contains("features.30 (MaxPool2d)"), "{out}");
    assert!(out.contains("[-, 512, 7, 7]"), "{out}");
    assert!(out.contains("[-, 4096]"), "{out}");
    let out = ok(&["summary", "--arch", "vgg19", "--batch-norm"]);
    assert!(out.contains("Model: \"vgg19_bn\""), "{out}");
    let out = ok(&["summary", "--dataset", "cifar10", "--hidden", "0"]);
    assert!(out.contains("Total params: 14,719,818"), "{out}");
}

#[test]
fn a_small_vgg_trains_evaluates_and_predicts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    let out = ok(&[
        "train",
        "--dataset",
        "fashion-mnist",
        "--arch",
        "vgg11",
        "--batch-norm",
        "--hidden",
        "64",
        "--epochs",
        "1",
        "--train-limit",
        "256",
        "--validation-split",
        "0.25",
        "--batch-size",
        "32",
        "--artifact-dir",
        d,
    ]);
    assert!(out.contains("input [1, 32, 32]"), "{out}");
    let out = ok(&["eval", "--run", d, "--batch-size", "100"]);
    assert!(out.contains("test images: accuracy"), "{out}");
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(config.contains("\"family\": \"vgg16\""), "{config}");
    let png = tmp.path().join("x.png");
    image::GrayImage::from_pixel(28, 28, image::Luma([200]))
        .save(&png)
        .unwrap();
    let out = ok(&["predict", "--run", d, "--top-k", "2", png.to_str().unwrap()]);
    assert!(
        out.lines()
            .any(|l| l.contains("x.png:") && l.matches('%').count() == 2),
        "{out}"
    );

    // The run's curves, and its feature maps: every ReLU and pool of VGG-11's features.
    assert!(dir.join("curves.png").is_file());
    let out = ok(&[
        "visualize",
        "--run",
        d,
        "--test-index",
        "3",
        "--max-channels",
        "16",
    ]);
    assert!(out.contains("1 input(s) drawn"), "{out}");
    let page = std::fs::read_to_string(dir.join("visualize/index.html")).unwrap();
    // VGG-11 with batch norm: 8 convolutions (ReLU after each) and 5 pools.
    assert_eq!(page.matches("<figure>").count(), 2 + 8 + 5, "{page}");
    assert!(
        page.contains("features.2 ReLU: 64 x 32 x 32 (the 16 most active of 64 channels)"),
        "{page}"
    );
    assert!(
        page.contains("features.3 MaxPool2d: 64 x 16 x 16"),
        "{page}"
    );
    assert!(
        page.contains("first-layer filters: 64 x 1 x 3 x 3"),
        "{page}"
    );
}

#[test]
fn summary_lecture_is_the_lecture_cnns_alone() {
    zoo_testing::assert_refused(
        BIN,
        &["summary", "--lecture"],
        1,
        "lecture-cnn summary --lecture",
    );
}

/// Writes `n` 224x224 RGB images of class `class` (stripes one way or the other) into `dir`.
fn write_images(dir: &std::path::Path, class: &str, n: u32) {
    let folder = dir.join(class);
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..n {
        let image = image::RgbImage::from_fn(224, 224, |x, y| {
            let t = if class == "vertical" { x } else { y };
            let on = (t / 8 + i) % 2 == 0;
            image::Rgb(if on {
                [230, 40 + 20 * i as u8, 30]
            } else {
                [20, 20, 200]
            })
        });
        image.save(folder.join(format!("{i}.png"))).unwrap();
    }
}

#[test]
fn vgg_at_224_shows_the_64_most_active_channels_per_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("stripes");
    for (split, n) in [("train", 4), ("test", 2)] {
        for class in ["vertical", "horizontal"] {
            write_images(&data.join(split), class, n);
        }
    }
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    ok(&[
        "train",
        "--dataset",
        "folder",
        "--data-dir",
        data.to_str().unwrap(),
        "--image-size",
        "224",
        "--arch",
        "vgg11",
        "--hidden",
        "0",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--validation-split",
        "0",
        "--artifact-dir",
        d,
    ]);
    let out = ok(&["visualize", "--run", d, "--test-index", "1"]);
    assert!(out.contains("1 input(s) drawn"), "{out}");
    let page = std::fs::read_to_string(dir.join("visualize/index.html")).unwrap();
    // VGG-11: 8 convolutions (a ReLU after each) and 5 pools, the input and the filters.
    assert_eq!(page.matches("<figure>").count(), 2 + 8 + 5, "{page}");
    assert!(page.contains("features.1 ReLU: 64 x 224 x 224<"), "{page}");
    assert!(
        page.contains("features.4 ReLU: 128 x 112 x 112 (the 64 most active of 128 channels)"),
        "{page}"
    );
    assert!(
        page.contains("features.20 MaxPool2d: 512 x 7 x 7 (the 64 most active of 512 channels)"),
        "{page}"
    );
    assert!(
        page.contains("first-layer filters: 64 x 3 x 3 x 3 (RGB)"),
        "{page}"
    );
    // 64 cells of 224 pixels: an 8x8 grid.
    let grid = image::open(dir.join("visualize/input-0-00-features_1.png")).unwrap();
    assert!(grid.width() >= 8 * 224 && grid.height() >= 8 * 224);

    // `serve`: the same run over HTTP, feature maps fetched one layer at a time.
    let server = ServeProcess::start(BIN, &dir);
    let image = std::fs::read(data.join("test/vertical/1.png")).unwrap();
    let (status, _, body) = server.request("POST", "/api/analyze?dx=4", Some("image/png"), &image);
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{text}");
    let analysis: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let layers = analysis["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 8 + 5, "{text}");
    assert_eq!(analysis["input"]["shape"], serde_json::json!([3, 224, 224]));
    assert_eq!(analysis["blocks"].as_array().unwrap().len(), 5, "{text}");
    let last = layers.last().unwrap();
    assert_eq!(last["name"], "features.20");
    assert_eq!(last["shape"], serde_json::json!([512, 7, 7]));
    let (status, content_type, png) =
        server.request("GET", last["url"].as_str().unwrap(), None, &[]);
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    let grid = image::load_from_memory(&png).unwrap();
    // The 64 most active of 512 channels: 8 rows of 7x7 maps enlarged to 35 pixels, under the
    // caption (whose length sets the width).
    assert!(
        grid.height() >= 8 * 35 && grid.height() < 12 * 35,
        "{}",
        grid.height()
    );
    let (status, _, body) = server.request("POST", "/api/predict", Some("text/plain"), b"hello");
    assert_eq!(status, 415, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = server.request("POST", "/api/predict", Some("image/png"), &image);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    server.stop();
}
