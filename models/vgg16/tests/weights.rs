//! The `vgg16` binary with torchvision weights: `import` and `export` of the narrow VGG-11 twins
//! (tests/fixtures, see tests/pretrained.rs), fine-tuning with a new head and frozen features,
//! and `predict --pretrained` refusing what is not a torchvision VGG file.

#![cfg(all(feature = "cli", feature = "pretrained"))]

use std::path::{Path, PathBuf};

use zoo_testing::parity::read_safetensors;

const BIN: &str = env!("CARGO_BIN_EXE_vgg16");

fn ok(args: &[&str]) -> String {
    zoo_testing::run_ok(BIN, args)
}

fn refused(args: &[&str], code: i32, needle: &str) {
    zoo_testing::assert_refused(BIN, args, code, needle);
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    path.to_str().unwrap().to_string()
}

/// An image folder with the twins' 10 classes: 2 training and 1 test image each, 64x64 RGB.
fn ten_classes(root: &Path) -> PathBuf {
    for (split, n) in [("train", 2), ("test", 1)] {
        for class in 0..10u32 {
            let folder = root.join(split).join(format!("class{class}"));
            std::fs::create_dir_all(&folder).unwrap();
            for i in 0..n {
                let image = image::RgbImage::from_fn(64, 64, |x, y| {
                    image::Rgb([(x * 4) as u8, (y * 4) as u8, (25 * class + 7 * i) as u8])
                });
                image.save(folder.join(format!("{i}.png"))).unwrap();
            }
        }
    }
    root.to_path_buf()
}

/// The narrow twin's options: VGG-11 with every width / 8, torchvision's head, 32 hidden units.
fn twin_args<'a>(data: &'a str, run: &'a str, batch_norm: bool) -> Vec<&'a str> {
    let mut args = vec![
        "--dataset",
        "folder",
        "--data-dir",
        data,
        "--image-size",
        "64",
        "--arch",
        "vgg11",
        "--width-divisor",
        "8",
        "--validation-split",
        "0",
        "--artifact-dir",
        run,
    ];
    if batch_norm {
        args.push("--batch-norm");
    }
    args
}

#[test]
fn torchvision_weights_import_export_and_fine_tune_with_a_new_head() {
    let tmp = tempfile::tempdir().unwrap();
    let data = ten_classes(&tmp.path().join("data"));
    let data = data.to_str().unwrap();

    // import + export: torchvision's keys and numbers, unchanged.
    let run = tmp.path().join("imported");
    let r = run.to_str().unwrap();
    let mut args = vec!["import", "--weights"];
    let weights = fixture("vgg11_bn_narrow.pth");
    args.push(&weights);
    args.extend(twin_args(data, r, true));
    args.extend(["--head", "imagenet", "--hidden", "32"]);
    let out = ok(&args);
    assert!(out.contains("(every tensor)"), "{out}");
    let exported = tmp.path().join("exported.safetensors");
    ok(&["export", "--run", r, "--out", exported.to_str().unwrap()]);
    let original = read_safetensors(Path::new(&fixture("vgg11_bn_narrow.safetensors")));
    let exported = read_safetensors(&exported);
    // Every float tensor (read_safetensors skips the integer num_batches_tracked counters).
    assert_eq!(exported.len(), original.len());
    for (key, value) in &exported {
        assert_eq!(value, &original[key], "{key}");
    }

    // Fine-tuning with the compact head: the classifier starts fresh (and says so), the
    // frozen features end as imported, batch-norm statistics included.
    let tuned = tmp.path().join("tuned");
    let t = tuned.to_str().unwrap();
    let mut args = vec!["train", "--weights", &weights, "--freeze-features"];
    args.extend(twin_args(data, t, true));
    args.extend(["--head", "compact", "--epochs", "1", "--batch-size", "4"]);
    let out = ok(&args);
    assert!(
        out.contains("fresh (another shape or absent there): classifier.0"),
        "{out}"
    );
    let after = tmp.path().join("after.safetensors");
    ok(&[
        "export",
        "--run",
        t,
        "--weights",
        "final",
        "--out",
        after.to_str().unwrap(),
    ]);
    for (key, value) in read_safetensors(&after) {
        if key.starts_with("features.") {
            assert_eq!(value, original[&key], "{key} moved although frozen");
        }
    }
}

#[test]
fn weights_of_another_vgg_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = ten_classes(&tmp.path().join("data"));
    let run = tmp.path().join("run");
    let weights = fixture("vgg11_narrow.pth");
    // Batch-norm model, plain weights.
    let mut args = vec!["import", "--weights", &weights];
    args.extend(twin_args(
        data.to_str().unwrap(),
        run.to_str().unwrap(),
        true,
    ));
    refused(&args, 1, "weights do not fit vgg11_bn");
    assert!(!run.exists(), "a refused import leaves no run directory");

    let image = data.join("test/class3/0.png");
    let image = image.to_str().unwrap();
    refused(
        &[
            "predict",
            "--pretrained",
            &format!("vgg11={weights}"),
            image,
        ],
        1,
        "weights do not fit vgg11: 22 with another shape (features.0.weight: file [8, 3, 3, 3] vs model [64, 3, 3, 3]",
    );
    refused(
        &["predict", "--pretrained", "resnet50", image],
        1,
        "not a torchvision VGG",
    );
    refused(
        &["predict", "--pretrained", "vgg16", "--run", "x", image],
        2,
        "cannot be used with",
    );
}
