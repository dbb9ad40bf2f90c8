//! Looking inside trained runs end to end: curves.png written while training, `visualize`,
//! `probe translation` against the `--pooling stride` control, `plot`, `summary --lecture`.
//! Real Fashion-MNIST when installed (CI installs it), else the shipped subset.

#![cfg(feature = "cli")]

use std::path::Path;

use zoo_testing::run_ok;

const BIN: &str = env!("CARGO_BIN_EXE_lecture-cnn");

fn ok(args: &[&str]) -> String {
    run_ok(BIN, args)
}

/// Fails with one line and exit code `code`, never a panic.
fn refused(args: &[&str], code: i32, needle: &str) {
    zoo_testing::assert_refused(BIN, args, code, needle);
}

/// A decoded PNG and the spread of its pixel values (0 for a blank picture).
fn png(path: &Path) -> (image::RgbImage, f64) {
    let image = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let values: Vec<f64> = image.pixels().map(|p| f64::from(p.0[1])).collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    (image, variance)
}

fn train(dir: &Path, pooling: &str) -> String {
    ok(&[
        "train",
        "--epochs",
        "2",
        "--train-limit",
        "4000",
        "--validation-split",
        "0.1",
        "--pooling",
        pooling,
        "--artifact-dir",
        dir.to_str().unwrap(),
    ])
}

#[test]
fn a_trained_run_and_its_control_are_drawn_probed_and_plotted() {
    let tmp = tempfile::tempdir().unwrap();
    let max = tmp.path().join("max");
    let stride = tmp.path().join("stride");
    let out = train(&max, "max");
    assert!(out.contains("curves.png"), "{out}");
    train(&stride, "stride");

    // curves.png is drawn after every epoch from metrics.csv, which keeps the learning rate.
    for run in [&max, &stride] {
        let (image, spread) = png(&run.join("curves.png"));
        assert_eq!(image.dimensions(), (3 * 520, 400));
        assert!(spread > 100.0, "blank curves: {spread}");
        let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
        assert!(csv.lines().next().unwrap().ends_with(",learning_rate"));
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.lines().skip(1).all(|l| l.ends_with(",0.001")), "{csv}");
    }
    let config = std::fs::read_to_string(stride.join("config.json")).unwrap();
    assert!(config.contains("\"pooling\": \"Stride\""), "{config}");

    // visualize: a test image and a PNG file; every conv and pool drawn, not blank.
    let m = max.to_str().unwrap();
    let boot = tmp.path().join("boot.png");
    image::GrayImage::from_fn(28, 28, |x, y| image::Luma([if x > y { 220 } else { 0 }]))
        .save(&boot)
        .unwrap();
    let out = ok(&[
        "visualize",
        "--run",
        m,
        "--test-index",
        "0",
        boot.to_str().unwrap(),
    ]);
    assert!(out.contains("2 input(s) drawn"), "{out}");
    let pictures = max.join("visualize");
    let page = std::fs::read_to_string(pictures.join("index.html")).unwrap();
    assert!(
        page.contains("test image 0 (true class: Ankle boot)"),
        "{page}"
    );
    assert_eq!(page.matches("<tr><td>").count(), 10, "two top-5 tables");
    let (filters, spread) = png(&pictures.join("filters.png"));
    assert!(spread > 100.0 && filters.width() > 100);
    let layers = ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3"];
    let mut sizes = Vec::new();
    for input in 0..2 {
        let (_, spread) = png(&pictures.join(format!("input-{input}.png")));
        assert!(spread > 100.0, "input {input} blank");
        for (j, layer) in layers.iter().enumerate() {
            let file = format!("input-{input}-{j:02}-{layer}.png");
            assert!(
                page.contains(&format!("src=\"{file}\"")),
                "{file} not on the page"
            );
            let (image, spread) = png(&pictures.join(&file));
            assert!(spread > 50.0, "{file} is blank ({spread})");
            sizes.push(image.dimensions());
        }
    }
    assert!(page.contains("conv3 Conv2d+ReLU: 144 x 6 x 6"), "{page}");
    assert!(page.contains("pool3 MaxPool2d: 144 x 3 x 3"), "{page}");

    // probe translation: the unshifted row is exact, shifts change predictions and features.
    let out = ok(&[
        "probe",
        "translation",
        "--run",
        m,
        "--control",
        stride.to_str().unwrap(),
        "--limit",
        "300",
        "--max-shift",
        "3",
    ]);
    assert!(out.contains("control: stride"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(max.join("probe/translation.json")).unwrap())
            .unwrap();
    let reports = json.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    for report in reports {
        assert_eq!(report["images"], 300);
        let rows = report["by_shift"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(report["by_direction"].as_array().unwrap().len(), 1 + 8 * 3);
        assert_eq!(rows[0]["changed"], 0.0);
        let cos = |row: usize, block: usize| rows[row]["block_cosine"][block].as_f64().unwrap();
        let changed = |row: usize| rows[row]["changed"].as_f64().unwrap();
        for block in 0..3 {
            assert!((cos(0, block) - 1.0).abs() < 1e-9);
            assert!(cos(3, block) < cos(1, block), "{report}");
        }
        assert!(changed(3) > changed(1) && changed(1) > 0.0, "{report}");
    }
    let (plot, spread) = png(&max.join("probe/translation.png"));
    assert!(plot.width() > 1000 && spread > 100.0);

    // plot: both runs on one picture; a folder without metrics is one clear line.
    let both = tmp.path().join("both.png");
    ok(&[
        "plot",
        "--run",
        m,
        "--run",
        stride.to_str().unwrap(),
        "--out",
        both.to_str().unwrap(),
    ]);
    assert!(png(&both).1 > 100.0);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(
        &["plot", "--run", empty.to_str().unwrap()],
        1,
        "no metrics.csv",
    );
    refused(
        &["visualize", "--run", m, "--test-index", "99999999"],
        1,
        "--test-index 99999999: the test split has",
    );
    refused(&["visualize", "--run", m], 2, "required");
}

#[test]
fn summary_lecture_sets_the_comments_beside_the_model() {
    let out = ok(&["summary", "--lecture"]);
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{out}"))
            .to_string()
    };
    assert!(row("conv1").contains("32x32x36") && row("conv1").contains("as the lecture says"));
    assert!(row("pool1").contains("0 parameters"), "{out}");
    assert!(row("conv3").contains("8x8x144") && row("conv3").contains("6x6x144"));
    assert!(row("pool3").contains("4x4x144") && row("pool3").contains("3x3x144"));
    assert!(row("flatten").contains("2024") && row("flatten").contains("1296"));
    assert!(out.contains("total: 870058 parameters"), "{out}");
}
