//! The lecture CNN's weights from PyTorch and from Keras, layer by layer against the source
//! framework's own outputs.
//!
//! The fixtures (tests/fixtures, written by `tools/pretrained_fixtures.py` with torch 2.15 and
//! Keras 3.15 on TensorFlow) hold random weights of the PyTorch twin (`LectureTorch`, this
//! crate's field names) and of the lecture's Keras `Sequential`, converted by
//! `tools/keras_to_safetensors.py`; the input is four Fashion-MNIST test images padded to
//! 32x32 and normalised; each layer's output is stored channels-first.
//!
//! Tolerance: 1e-4 of each layer's largest value. Both sides compute in f32 with sums of at
//! most 1,296 products in other orders, so rounding stays near 1e-6; a kernel not transposed,
//! Keras' (h, w, c) flattening left as it is, or a dense weight not transposed moves a layer by
//! a large fraction of its scale.

#![cfg(feature = "pretrained")]

use std::path::{Path, PathBuf};

use burn::prelude::*;
use lecture_cnn::pretrained::{load_pytorch, save_pytorch};
use lecture_cnn::{LectureCnn, LectureCnnConfig};
use zoo_testing::parity::{assert_layers_match, read_safetensors};

const TOLERANCE: f32 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn model() -> LectureCnn {
    LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&Device::flex())
        .unwrap()
}

fn assert_matches(model: &LectureCnn, outputs: &str) {
    assert_layers_match(model, &fixture(outputs), TOLERANCE);
}

#[test]
fn pytorch_weights_match_pytorch_layer_by_layer() {
    let model = load_pytorch(model(), &fixture("lecture_torch.safetensors")).unwrap();
    assert_matches(&model, "lecture_torch.outputs.safetensors");
}

#[test]
fn keras_weights_match_keras_layer_by_layer() {
    let model = load_pytorch(model(), &fixture("lecture_keras.safetensors")).unwrap();
    assert_matches(&model, "lecture_keras.outputs.safetensors");
}

#[test]
fn weights_of_another_shape_are_refused() {
    // Three input channels (CIFAR-10) against the grey file.
    let rgb = LectureCnnConfig::new(10).init(&Device::flex()).unwrap();
    let err = load_pytorch(rgb, &fixture("lecture_torch.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("weights do not fit lecture-cnn"), "{err}");
    assert!(
        err.contains("conv1.weight: file [36, 1, 3, 3] vs model [36, 3, 3, 3]"),
        "{err}"
    );
    // A VGG's weights.
    let vgg =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../vgg16/tests/fixtures/vgg11_narrow.pth");
    let err = load_pytorch(model(), &vgg).unwrap_err().to_string();
    assert!(
        err.contains("10 missing (conv1.bias, conv1.weight"),
        "{err}"
    );
    assert!(err.contains("22 unexpected (classifier.0.bias"), "{err}");
}

#[test]
fn export_reloads_exactly_with_pytorchs_keys() {
    let model = load_pytorch(model(), &fixture("lecture_keras.safetensors")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exported.safetensors");
    save_pytorch(&model, &out).unwrap();
    let exported = read_safetensors(&out);
    let original = read_safetensors(&fixture("lecture_keras.safetensors"));
    assert_eq!(
        exported.keys().collect::<Vec<_>>(),
        original.keys().collect::<Vec<_>>()
    );
    for (key, value) in &exported {
        assert_eq!(value, &original[key], "{key}");
    }
    assert_matches(
        &load_pytorch(self::model(), &out).unwrap(),
        "lecture_keras.outputs.safetensors",
    );
}
