//! `import`, `export` and `train --weights` end to end: the lecture's Keras model (the
//! converted fixture, see tests/pretrained.rs) becomes a run, is evaluated, exported back
//! unchanged, and fine-tuned with its convolutions frozen.

#![cfg(all(feature = "cli", feature = "pretrained"))]

use std::path::{Path, PathBuf};

use zoo_testing::parity::read_safetensors;

const BIN: &str = env!("CARGO_BIN_EXE_lecture-cnn");

fn ok(args: &[&str]) -> String {
    zoo_testing::run_ok(BIN, args)
}

fn refused(args: &[&str], code: i32, needle: &str) {
    zoo_testing::assert_refused(BIN, args, code, needle);
}

fn keras_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lecture_keras.safetensors")
}

#[test]
fn keras_weights_become_a_run_export_unchanged_and_fine_tune_frozen() {
    let tmp = tempfile::tempdir().unwrap();
    let keras = keras_fixture();
    let keras = keras.to_str().unwrap();
    let run = tmp.path().join("imported");
    let r = run.to_str().unwrap();

    let out = ok(&["import", "--weights", keras, "--artifact-dir", r]);
    assert!(out.contains("(every tensor)"), "{out}");
    assert!(run.join("config.json").is_file() && run.join("model-best.bpk").is_file());
    let out = ok(&["eval", "--run", r]);
    assert!(out.contains("accuracy"), "{out}");

    // Exported back: the same keys and the very same numbers as the file imported.
    let exported = tmp.path().join("exported.safetensors");
    let e = exported.to_str().unwrap();
    ok(&["export", "--run", r, "--out", e]);
    let original = read_safetensors(&keras_fixture());
    assert_eq!(read_safetensors(&exported), original);
    refused(&["export", "--run", r, "--out", e], 1, "pass --force");
    ok(&["export", "--run", r, "--out", e, "--force"]);

    // Fine-tuning with frozen convolutions: they end as imported, the dense layers move.
    let tuned = tmp.path().join("tuned");
    let t = tuned.to_str().unwrap();
    ok(&[
        "train",
        "--weights",
        keras,
        "--freeze-features",
        "--epochs",
        "1",
        "--train-limit",
        "512",
        "--artifact-dir",
        t,
    ]);
    let after = tmp.path().join("after.safetensors");
    let a = after.to_str().unwrap();
    ok(&["export", "--run", t, "--weights", "final", "--out", a]);
    for (key, value) in read_safetensors(&after) {
        if key.starts_with("conv") {
            assert_eq!(value, original[&key], "{key} moved although frozen");
        } else {
            assert_ne!(value, original[&key], "{key} did not train");
        }
    }
}

#[test]
fn weights_that_do_not_fit_are_refused_and_leave_no_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let r = run.to_str().unwrap();
    let vgg =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../vgg16/tests/fixtures/vgg11_narrow.pth");
    refused(
        &[
            "import",
            "--weights",
            vgg.to_str().unwrap(),
            "--artifact-dir",
            r,
        ],
        1,
        "weights do not fit lecture-cnn: 6 missing (conv1.bias",
    );
    assert!(!run.exists(), "a refused import leaves no run directory");
    let text = tmp.path().join("notes.safetensors");
    std::fs::write(&text, "not weights").unwrap();
    refused(
        &[
            "train",
            "--weights",
            text.to_str().unwrap(),
            "--artifact-dir",
            r,
        ],
        1,
        "not a PyTorch (.pth) or safetensors weights file",
    );
    refused(&["train", "--freeze-features"], 2, "--weights");
    refused(
        &["import", "--artifact-dir", r],
        1,
        "import needs --weights",
    );
    refused(
        &[
            "import",
            "--weights",
            "/nonexistent/w.pth",
            "--artifact-dir",
            r,
        ],
        1,
        "/nonexistent/w.pth",
    );
}
