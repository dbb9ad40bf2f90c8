//! `serve` in a real browser: headless Chromium (Debian's `chromium`, which CI installs) loads
//! the page from `lecture-cnn serve --port 0`, uploads a real Fashion-MNIST test image, and
//! checks that the top-5 names its class, that the feature maps and the input are drawn (not
//! blank), that the layer selector and the shift control work, and that a stroke drawn with
//! mouse events changes the prediction. Ctrl-C then stops the server cleanly.
//!
//! `ZOO_SCREENSHOT=FILE` saves a screenshot of the page while shifted (the README's picture).

#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use headless_chrome::browser::tab::point::Point;
use headless_chrome::protocol::cdp::Input::{
    DispatchMouseEvent, DispatchMouseEventTypeOption, MouseButton,
};
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use zoo_testing::run_ok;
use zoo_testing::serve::ServeProcess;

const BIN: &str = env!("CARGO_BIN_EXE_lecture-cnn");

/// The browser: `$CHROME`, else Debian's chromium.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} is missing: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROME",
        path.display()
    );
    path
}

/// Evaluates `js` in the page and returns its JSON value.
fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value
        .unwrap_or(serde_json::Value::Null)
}

/// Waits up to a minute for `js` to be true.
fn wait_for(tab: &Tab, js: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while eval(tab, js) != serde_json::Value::Bool(true) {
        let status = eval(tab, "document.getElementById('status').textContent");
        assert!(
            Instant::now() < deadline,
            "waited a minute for {what}; status: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The spread (variance) of the screenshot of the element `selector`: 0 for a blank picture.
fn spread(tab: &Tab, selector: &str) -> f64 {
    let png = tab
        .wait_for_element(selector)
        .unwrap()
        .capture_screenshot(CaptureScreenshotFormatOption::Png)
        .unwrap();
    let image = image::load_from_memory(&png).unwrap().to_luma8();
    let values: Vec<f64> = image.pixels().map(|p| f64::from(p.0[0])).collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
}

/// The top-5 as shown: `class probability` per row.
fn top5(tab: &Tab) -> Vec<(String, f64)> {
    let rows = eval(
        tab,
        "JSON.stringify([...document.querySelectorAll('#top5 li')].map(li => [li.dataset.class, Number(li.dataset.probability)]))",
    );
    serde_json::from_str(rows.as_str().unwrap()).unwrap()
}

fn mouse(tab: &Tab, kind: DispatchMouseEventTypeOption, at: Point) {
    tab.call_method(DispatchMouseEvent {
        Type: kind,
        x: at.x,
        y: at.y,
        modifiers: None,
        timestamp: None,
        button: Some(MouseButton::Left),
        buttons: Some(1),
        click_count: Some(1),
        force: None,
        tangential_pressure: None,
        tilt_x: None,
        tilt_y: None,
        twist: None,
        delta_x: None,
        delta_y: None,
        pointer_Type: None,
    })
    .unwrap();
}

#[test]
fn the_page_shows_the_class_the_maps_and_reacts_to_a_stroke_and_a_shift() {
    let chrome = chromium();
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    run_ok(
        BIN,
        &[
            "train",
            "--epochs",
            "1",
            "--train-limit",
            "3000",
            "--validation-split",
            "0.1",
            "--artifact-dir",
            run.to_str().unwrap(),
        ],
    );
    // A real test image the trained model classifies correctly, as `predict` says.
    let test = zoo_datasets::bundled_fashion_mnist().unwrap().test;
    let (file, class) = (0..test.size())
        .find_map(|i| {
            let file = tmp.path().join(format!("test-{i}.png"));
            image::GrayImage::from_raw(28, 28, test.image(i).to_vec())
                .unwrap()
                .save(&file)
                .unwrap();
            let class = &test.classes()[test.label(i)];
            let out = run_ok(
                BIN,
                &[
                    "predict",
                    "--run",
                    run.to_str().unwrap(),
                    "--top-k",
                    "1",
                    file.to_str().unwrap(),
                ],
            );
            out.contains(&format!(": {class} "))
                .then(|| (file, class.clone()))
        })
        .expect("no test image classified correctly");

    let server = ServeProcess::start(BIN, &run);
    let browser = Browser::new(
        LaunchOptions::default_builder()
            .path(Some(chrome))
            .headless(true)
            .sandbox(false)
            .window_size(Some((1400, 1100)))
            .build()
            .unwrap(),
    )
    .unwrap();
    let tab = browser.new_tab().unwrap();
    tab.navigate_to(&server.url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_for(
        &tab,
        "document.querySelectorAll('#layer option').length === 6",
        "the layer list",
    );

    // Upload: the top-5 names the class; the input, the maps and the filters are drawn.
    tab.wait_for_element("#file")
        .unwrap()
        .set_input_files(&[file.to_str().unwrap()])
        .unwrap();
    wait_for(
        &tab,
        "document.querySelectorAll('#top5 li').length === 5",
        "the top-5",
    );
    let uploaded = top5(&tab);
    assert_eq!(uploaded[0].0, class, "{uploaded:?}");
    let loaded = |id: &str| {
        format!(
            "(() => {{ const i = document.getElementById('{id}'); return i.complete && i.naturalWidth > 0; }})()"
        )
    };
    for id in ["maps", "seen", "filters"] {
        wait_for(&tab, &loaded(id), id);
        let spread = spread(&tab, &format!("#{id}"));
        assert!(spread > 200.0, "#{id} looks blank (variance {spread})");
    }
    // The layer selector shows another layer's grid.
    let conv1 = eval(&tab, "document.getElementById('maps').src");
    eval(
        &tab,
        "(() => { const s = document.getElementById('layer'); s.value = 'pool3'; s.dispatchEvent(new Event('change')); return true; })()",
    );
    assert_ne!(eval(&tab, "document.getElementById('maps').src"), conv1);
    wait_for(&tab, &loaded("maps"), "pool3's maps");
    assert!(
        eval(&tab, "document.getElementById('layer-shape').textContent")
            .as_str()
            .unwrap()
            .contains("144 x 3 x 3")
    );

    // A shift of 3 px to the right: each block's similarity is shown, below 1.
    eval(
        &tab,
        "(() => { const s = document.getElementById('dx'); s.value = 3; s.dispatchEvent(new Event('input')); return true; })()",
    );
    wait_for(
        &tab,
        "document.getElementById('shift-summary').textContent.includes('shifted by (3, 0)')",
        "the shifted analysis",
    );
    let cosines = eval(
        &tab,
        "JSON.stringify([...document.querySelectorAll('#blocks td.num')].map(td => Number(td.textContent)))",
    );
    let cosines: Vec<f64> = serde_json::from_str(cosines.as_str().unwrap()).unwrap();
    assert_eq!(cosines.len(), 3, "{cosines:?}");
    assert!(cosines.iter().all(|c| *c < 1.0 && *c > 0.0), "{cosines:?}");
    if let Some(path) = std::env::var_os("ZOO_SCREENSHOT") {
        let png = tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    eval(&tab, "document.getElementById('unshift').click() || true");
    wait_for(
        &tab,
        "!document.getElementById('shift-summary').textContent.includes('shifted by')",
        "the unshifted analysis",
    );

    // A thick stroke across the canvas, with mouse events: the prediction changes.
    let before = top5(&tab);
    let canvas = tab
        .wait_for_element("#canvas")
        .unwrap()
        .get_box_model()
        .unwrap();
    let (x0, y0) = (canvas.content.top_left.x, canvas.content.top_left.y);
    let at = |fx: f64, fy: f64| Point {
        x: x0 + fx * canvas.width,
        y: y0 + fy * canvas.height,
    };
    mouse(
        &tab,
        DispatchMouseEventTypeOption::MousePressed,
        at(0.1, 0.1),
    );
    for step in 1..=20 {
        let t = f64::from(step) / 20.0;
        mouse(
            &tab,
            DispatchMouseEventTypeOption::MouseMoved,
            at(0.1 + 0.8 * t, 0.1 + 0.8 * t),
        );
    }
    mouse(
        &tab,
        DispatchMouseEventTypeOption::MouseReleased,
        at(0.9, 0.9),
    );
    // The page sends the latest drawing whenever the previous answer is in: wait until the
    // answer to the whole stroke stays put (a second of equal readings).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = before.clone();
    let mut same = 0;
    let after = loop {
        let now = top5(&tab);
        same = if now == last { same + 1 } else { 0 };
        if now != before && now.len() == 5 && same >= 10 {
            break now;
        }
        last = now;
        assert!(
            Instant::now() < deadline,
            "the stroke did not change the prediction: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // How far the shown probabilities moved, summed over the classes listed before.
    let moved: f64 = before
        .iter()
        .map(|(class, p)| {
            let q = after
                .iter()
                .find(|(c, _)| c == class)
                .map_or(0.0, |(_, q)| *q);
            (p - q).abs()
        })
        .sum();
    assert!(
        moved > 0.02,
        "moved {moved}: before {before:?}, after {after:?}"
    );

    drop(tab);
    drop(browser);
    server.stop();
}
