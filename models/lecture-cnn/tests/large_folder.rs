//! A 100,000-image folder dataset: it loads with memory bounded by the decoded images, a
//! corrupt image deep inside it is an error naming the file before any training starts, and a
//! long load reports its progress.

#![cfg(feature = "cli")]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use zoo_datasets::{DatasetKind, LoadOptions, load_from};
use zoo_testing::cli_command;

const BIN: &str = env!("CARGO_BIN_EXE_lecture-cnn");
const CLASSES: usize = 10;
const PER_CLASS: usize = 10_000;
const SHAPE: [usize; 3] = [3, 32, 32];

/// 64 different 32x32 RGB PNGs, encoded once and written round-robin.
fn pngs() -> Vec<Vec<u8>> {
    (0..64u32)
        .map(|k| {
            let img = image::RgbImage::from_fn(32, 32, |x, y| {
                image::Rgb([(x * 8 + k) as u8, (y * 8) as u8, (k * 4) as u8])
            });
            let mut bytes = Cursor::new(Vec::new());
            img.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
            bytes.into_inner()
        })
        .collect()
}

fn write_split(root: &Path, split: &str, per_class: usize, pngs: &[Vec<u8>]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for class in 0..CLASSES {
        let dir = root.join(split).join(format!("class_{class}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..per_class {
            let path = dir.join(format!("img_{i:05}.png"));
            std::fs::write(&path, &pngs[(class * per_class + i) % pngs.len()]).unwrap();
            files.push(path);
        }
    }
    files
}

/// This process's resident memory in bytes: `VmRSS` now, or `VmHWM`, the peak since
/// `reset_peak`.
fn rss(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

#[test]
fn a_100k_image_folder_loads_in_bounded_memory_and_a_corrupt_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let pngs = pngs();
    let train = write_split(root, "train", PER_CLASS, &pngs);
    write_split(root, "test", 10, &pngs);
    let options = LoadOptions {
        folder_shape: Some(SHAPE),
        ..LoadOptions::default()
    };

    // A truncated PNG deep inside (the 99,000th of 100,000).
    let corrupt = &train[98_999];
    let good = std::fs::read(corrupt).unwrap();
    std::fs::write(corrupt, &good[..good.len() / 2]).unwrap();
    let err = load_from(DatasetKind::Folder, root, &options)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&corrupt.display().to_string()),
        "the error names the file: {err}"
    );

    // The command line refuses it before training, after reporting the load's progress.
    let run = tmp.path().join("run");
    let out = cli_command(BIN)
        .args([
            "train",
            "--dataset",
            "folder",
            "--image-size",
            "32",
            "--epochs",
            "1",
        ])
        .arg("--data-dir")
        .arg(root)
        .arg("--artifact-dir")
        .arg(&run)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains(&corrupt.display().to_string()), "{stderr}");
    assert!(stderr.contains("cannot decode image"), "{stderr}");
    // A folder this large announces its load at once, whatever the machine's speed.
    let train_dir = root.join("train");
    assert!(
        stderr.contains(&format!("loading {}: 100000 images", train_dir.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!run.join("config.json").exists(), "no run was started");

    // Repaired, it loads, holding little more than the decoded pixels.
    std::fs::write(corrupt, &good).unwrap();
    let decoded = CLASSES * PER_CLASS * SHAPE.iter().product::<usize>();
    reset_peak();
    let before = rss("VmRSS:");
    let data = load_from(DatasetKind::Folder, root, &options).unwrap();
    let grown = rss("VmHWM:").saturating_sub(before);
    assert_eq!(data.train.size(), CLASSES * PER_CLASS);
    assert_eq!(data.test.size(), CLASSES * 10);
    assert_eq!(data.train.label(98_999), 9);
    assert!(
        grown < decoded + decoded / 4,
        "peak memory grew by {grown} bytes for {decoded} bytes of pixels"
    );
    println!(
        "decoded {decoded} bytes; peak memory grew by {grown} bytes ({:.2}x)",
        grown as f64 / decoded as f64
    );
}
