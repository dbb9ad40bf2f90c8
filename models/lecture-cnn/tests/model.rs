//! The lecture CNN on the default CPU backend: shapes, parameters, learning, weights.

use burn::module::Module;
use burn::prelude::*;
use lecture_cnn::{Conv3Padding, ImageClassifier, LectureCnnConfig};
use zoo_testing::{learnable_batch, max_abs_diff, record_round_trip, train_steps};

fn device() -> Device {
    Device::flex()
}

#[test]
fn real_modules_have_the_keras_parameter_counts() {
    let d = device();
    let grey = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    assert_eq!(grey.num_params(), 870_058);
    let rgb = LectureCnnConfig::new(10).init(&d).unwrap();
    assert_eq!(rgb.num_params(), 870_706);
}

#[test]
fn output_shapes_for_each_input_size() {
    let d = device();
    for (c, h) in [(1, 28), (1, 32), (3, 32)] {
        let model = LectureCnnConfig::new(10)
            .with_in_channels(c)
            .with_input_size([h, h])
            .init(&d)
            .unwrap();
        let logits = model.forward(Tensor::zeros([4, c, h, h], &d));
        assert_eq!(logits.dims(), [4, 10], "input {c}x{h}x{h}");
    }
}

#[test]
fn summary_matches_the_lecture_shapes() {
    let d = device();
    let model = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let summary = model.summary([1, 32, 32], &d);
    let shapes: Vec<(&str, Vec<usize>)> = summary
        .layers
        .iter()
        .map(|l| (l.name.as_str(), l.output_shape.clone()))
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("conv1", vec![0, 36, 32, 32]),
            ("pool1", vec![0, 36, 16, 16]),
            ("conv2", vec![0, 72, 16, 16]),
            ("pool2", vec![0, 72, 8, 8]),
            ("conv3", vec![0, 144, 6, 6]),
            ("pool3", vec![0, 144, 3, 3]),
            ("flatten", vec![0, 1296]),
            ("fc1", vec![0, 576]),
            ("fc2", vec![0, 10]),
        ]
    );
    assert_eq!(summary.total_params, 870_058);
    assert_eq!(summary.layer_params(), 870_058);
    // Max pooling has no parameters.
    assert!(
        summary
            .layers
            .iter()
            .filter(|l| l.kind == "MaxPool2d")
            .all(|l| l.params == 0)
    );
    let text = summary.to_string();
    assert!(text.contains("Total params: 870,058"), "{text}");
}

#[test]
fn same_padding_gives_the_lectures_4x4x144() {
    let d = device();
    let model = LectureCnnConfig::new(10)
        .with_conv3_padding(Conv3Padding::Same)
        .init(&d)
        .unwrap();
    let blocks = model.block_activations(Tensor::zeros([1, 3, 32, 32], &d));
    assert_eq!(blocks[2].output.dims(), [1, 144, 4, 4]);
}

#[test]
fn pooling_halves_height_and_width_and_keeps_channels() {
    let d = device();
    let model = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let blocks = model.block_activations(Tensor::ones([2, 1, 32, 32], &d));
    let dims: Vec<[usize; 4]> = blocks.iter().map(|b| b.output.dims()).collect();
    assert_eq!(dims, vec![[2, 36, 16, 16], [2, 72, 8, 8], [2, 144, 3, 3]]);
    assert_eq!(blocks[0].name, "block1");
    // After ReLU and max pooling every activation is non-negative.
    for block in blocks {
        assert!(block.output.min().into_scalar::<f32>() >= 0.0);
    }
}

#[test]
fn training_steps_change_the_weights_and_lower_the_loss() {
    let d = device().autodiff();
    let model = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let before = model.conv1.weight.val().inner();
    let (images, labels) = learnable_batch(&d, 32, [1, 32, 32], 10);
    let (model, losses) = train_steps(model, images, labels, 8, 1e-3);
    let after = model.conv1.weight.val().inner();
    assert!(
        max_abs_diff(before, after) > 0.0,
        "conv1 weights did not move"
    );
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(last < first * 0.8, "loss did not drop enough: {losses:?}");
}

#[test]
fn saved_weights_load_into_a_fresh_model_with_identical_outputs() {
    let d = device();
    let config = LectureCnnConfig::new(10).with_in_channels(1);
    let model = config.init(&d).unwrap();
    let fresh = config.init(&d).unwrap();
    let (images, _) = learnable_batch(&d, 4, [1, 32, 32], 10);
    let expected = model.forward(images.clone());
    assert!(max_abs_diff(expected.clone(), fresh.forward(images.clone())) > 0.0);
    let loaded = record_round_trip(model, fresh);
    assert_eq!(max_abs_diff(expected, loaded.forward(images)), 0.0);
}

#[test]
fn weights_of_another_shape_are_an_error() {
    let d = device();
    let ten = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let five = LectureCnnConfig::new(5)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let err = five.try_load_record(ten.into_record()).unwrap_err();
    assert!(err.to_string().contains("fc2"), "{err}");
}

#[test]
fn invalid_configs_are_errors_not_panics() {
    let d = device();
    assert!(LectureCnnConfig::new(0).init(&d).is_err());
    assert!(
        LectureCnnConfig::new(10)
            .with_input_size([8, 8])
            .init(&d)
            .is_err()
    );
}

/// A weights file whose first tensor claims another element type (the CBOR text `F32` in the
/// burnpack header patched): integers of the same width are cast like PyTorch's
/// `load_state_dict` does, a width that disagrees with the stored bytes is an error naming the
/// file; neither panics (the `burnpack` fuzz target found the integer case panicking in Burn).
#[test]
fn weights_stored_as_another_element_type_are_cast_or_refused_not_a_panic() {
    let d = device();
    let config = LectureCnnConfig::new(10).with_in_channels(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.bpk");
    zoo_core::save_weights(config.init(&d).unwrap(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(4)
        .position(|w| w == b"\x63F32")
        .expect("a dtype in the header");
    for (dtype, loads) in [(b"I32", true), (b"F64", false)] {
        let mut patched = bytes.clone();
        patched[at + 1..at + 4].copy_from_slice(dtype);
        let file = dir
            .path()
            .join(format!("{}.bpk", String::from_utf8_lossy(dtype)));
        std::fs::write(&file, &patched).unwrap();
        let result = zoo_core::load_weights(config.init(&d).unwrap(), &file);
        match result {
            Ok(_) => assert!(loads, "{dtype:?} loaded"),
            Err(e) => {
                assert!(!loads, "{dtype:?}: {e}");
                assert!(e.to_string().contains(&file.display().to_string()), "{e}");
            }
        }
    }
}

#[test]
fn feature_maps_are_every_conv_and_pool_and_the_stride_control_trains() {
    let d = device();
    let images = Tensor::<4>::random([2, 1, 32, 32], burn::tensor::Distribution::Default, &d);
    let max = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .init(&d)
        .unwrap();
    let (maps, logits) = max.feature_maps(images.clone());
    let described: Vec<(String, String, [usize; 4])> = maps
        .iter()
        .map(|m| (m.name.clone(), m.kind.clone(), m.output.dims()))
        .collect();
    let expected = [
        ("conv1", "Conv2d+ReLU", [2, 36, 32, 32]),
        ("pool1", "MaxPool2d", [2, 36, 16, 16]),
        ("conv2", "Conv2d+ReLU", [2, 72, 16, 16]),
        ("pool2", "MaxPool2d", [2, 72, 8, 8]),
        ("conv3", "Conv2d+ReLU", [2, 144, 6, 6]),
        ("pool3", "MaxPool2d", [2, 144, 3, 3]),
    ];
    assert_eq!(described.len(), expected.len());
    for ((name, kind, dims), (n, k, e)) in described.iter().zip(expected) {
        assert_eq!((name.as_str(), kind.as_str(), *dims), (n, k, e));
    }
    // The observed pass computes what the plain one does.
    let model = max.valid();
    let plain = model.forward(images.clone());
    let (_, observed) = model.feature_maps(images.clone());
    assert!(max_abs_diff(plain, observed) < 1e-5);
    assert_eq!(logits.dims(), [2, 10]);

    // The control: stride-2 convolutions where the pools were, same shapes, and it learns.
    let stride = LectureCnnConfig::new(10)
        .with_in_channels(1)
        .with_pooling(lecture_cnn::Pooling::Stride);
    let model = stride.init(&d).unwrap();
    assert_eq!(model.num_params(), stride.num_params().unwrap());
    let (maps, _) = model.feature_maps(images);
    let names: Vec<&str> = maps.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["conv1", "down1", "conv2", "down2", "conv3", "down3"]
    );
    assert_eq!(maps[5].output.dims(), [2, 144, 3, 3]);
    let (images, labels) = learnable_batch(&d.clone().autodiff(), 32, [1, 32, 32], 10);
    let model = stride.init(&d.clone().autodiff()).unwrap();
    let (_, losses) = train_steps(model, images, labels, 8, 1e-3);
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(last < 0.8 * first, "loss {first} -> {last}");
}
