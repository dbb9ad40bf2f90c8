//! torchvision and timm weights, layer by layer against the source framework's own outputs.
//!
//! The fixtures (tests/fixtures, written by `tools/pretrained_fixtures.py` with torch 2.15,
//! torchvision 0.29 and timm 1.0) are narrow VGG-11 twins built by torchvision's own `VGG`
//! class (every width / 8, hidden 32, 10 classes), with and without batch norm (running
//! statistics far from 0 and 1), in eval mode, on two 64x64 inputs: their state dicts as `.pth`
//! and safetensors, the same weights in timm's layout (checked against timm's own VGG there),
//! and every layer's output.
//!
//! Tolerance: 1e-4 of each layer's largest value. Both sides compute in f32, summing 3x3xC
//! products (at most 576) and dense rows of 3,136 in other orders, so rounding alone stays
//! near 1e-6; a wrong key, a missing transposition or batch-norm statistics on the wrong layer
//! move a layer by a large fraction of its scale.

#![cfg(feature = "pretrained")]

use std::path::{Path, PathBuf};

use burn::prelude::*;
use vgg16::pretrained::{load_torchvision, save_torchvision};
use vgg16::{Vgg, VggArch, VggConfig};
use zoo_core::pretrained::PretrainedError;
use zoo_testing::parity::{assert_layers_match, read_safetensors};

const TOLERANCE: f32 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The twin's configuration: VGG-11, widths / 8, torchvision's head with 32 hidden units.
fn narrow(batch_norm: bool) -> VggConfig {
    narrow_classes(batch_norm, 10)
}

fn narrow_classes(batch_norm: bool, classes: usize) -> VggConfig {
    VggConfig::new(VggArch::A, classes)
        .with_batch_norm(batch_norm)
        .with_width_divisor(8)
        .with_hidden(32)
        .with_input_size([64, 64])
}

fn load(config: &VggConfig, file: &str) -> Result<Vgg, PretrainedError> {
    let device = Device::flex();
    load_torchvision(config.init(&device).unwrap(), &fixture(file))
}

fn assert_matches(model: &Vgg, outputs: &str) {
    assert_layers_match(model, &fixture(outputs), TOLERANCE);
}

#[test]
fn torchvision_state_dicts_match_torchvision_layer_by_layer() {
    for (stem, bn) in [("vgg11_narrow", false), ("vgg11_bn_narrow", true)] {
        for ext in ["pth", "safetensors"] {
            let model = load(&narrow(bn), &format!("{stem}.{ext}")).unwrap();
            assert_matches(&model, &format!("{stem}.outputs.safetensors"));
        }
    }
}

#[test]
fn timm_layout_loads_as_torchvisions() {
    let model = load(&narrow(false), "timm_vgg11_narrow.safetensors").unwrap();
    assert_matches(&model, "vgg11_narrow.outputs.safetensors");
}

#[test]
fn another_architecture_is_refused_with_the_keys_named() {
    // Batch-norm weights into the plain model: its convolutions sit at other indices.
    let err = load(&narrow(false), "vgg11_bn_narrow.pth")
        .unwrap_err()
        .to_string();
    assert!(err.contains("vgg11_bn_narrow.pth"), "{err}");
    assert!(err.contains("weights do not fit vgg11"), "{err}");
    assert!(
        err.contains("38 unexpected (features.1.bias, features.1.running_mean"),
        "{err}"
    );
    assert!(err.contains("more"), "{err}");

    // Plain weights into the batch-norm model.
    let err = load(&narrow(true), "vgg11_narrow.safetensors")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing"), "{err}");

    // Another number of classes: a shape mismatch, named.
    let err = load(&narrow_classes(false, 7), "vgg11_narrow.pth")
        .unwrap_err()
        .to_string();
    assert!(err.contains("with another shape"), "{err}");
    assert!(err.contains("classifier.6"), "{err}");
}

#[test]
fn a_file_that_is_not_weights_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("image.pth");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n not weights at all").unwrap();
    let empty = dir.path().join("empty.safetensors");
    std::fs::write(&empty, b"").unwrap();
    // A torchvision file cut in half.
    let bytes = std::fs::read(fixture("vgg11_narrow.pth")).unwrap();
    let cut = dir.path().join("cut.pth");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let bytes = std::fs::read(fixture("vgg11_narrow.safetensors")).unwrap();
    let cut_st = dir.path().join("cut.safetensors");
    std::fs::write(&cut_st, &bytes[..bytes.len() / 2]).unwrap();
    let device = Device::flex();
    for (path, needle) in [
        (&png, "not a PyTorch (.pth) or safetensors weights file"),
        (&empty, "the file is empty"),
        (&cut, "cut.pth"),
        (&cut_st, "cut.safetensors"),
        (&dir.path().join("absent.pth"), "absent.pth"),
    ] {
        let model = narrow(false).init(&device).unwrap();
        let err = load_torchvision(model, path).unwrap_err().to_string();
        assert!(err.contains(needle), "{}: {err}", path.display());
    }
}

#[test]
fn export_writes_torchvisions_keys_and_shapes_and_reloads_exactly() {
    for (stem, bn) in [("vgg11_narrow", false), ("vgg11_bn_narrow", true)] {
        let model = load(&narrow(bn), &format!("{stem}.pth")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("exported.safetensors");
        save_torchvision(&model, &out).unwrap();

        // torchvision's own keys and shapes (its num_batches_tracked counters aside: PyTorch
        // fills them in when a safetensors dict lacks them).
        let shapes = |path: &Path| {
            read_safetensors(path)
                .into_iter()
                .filter(|(k, _)| !k.ends_with("num_batches_tracked"))
                .map(|(k, (shape, _))| (k, shape))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shapes(&out),
            shapes(&fixture(&format!("{stem}.safetensors")))
        );
        // The very same numbers: the linear weights went back to [out, in].
        let original = read_safetensors(&fixture(&format!("{stem}.safetensors")));
        for (key, (_, values)) in read_safetensors(&out) {
            assert_eq!(values, original[&key].1, "{key}");
        }
        let reloaded = load_torchvision(narrow(bn).init(&Device::flex()).unwrap(), &out).unwrap();
        assert_matches(&reloaded, &format!("{stem}.outputs.safetensors"));
    }
}
