//! VGG on the default CPU backend: torchvision parameter counts, shapes, key table, learning.

use burn::module::Module;
use burn::prelude::*;
use vgg16::keys::torchvision_bn_remapping;
use vgg16::{ImageClassifier, Vgg, VggArch, VggConfig, VggLayer, vgg11, vgg16, vgg16_bn, vgg19};
use zoo_core::param_paths;
use zoo_testing::{learnable_batch, max_abs_diff, record_round_trip, train_steps};

fn device() -> Device {
    Device::flex()
}

#[test]
fn real_modules_have_torchvisions_parameter_counts() {
    let d = device();
    // Parameters are initialised lazily: counting does not allocate 550 MB.
    assert_eq!(vgg11(1000).init(&d).unwrap().num_params(), 132_863_336);
    assert_eq!(vgg16(1000).init(&d).unwrap().num_params(), 138_357_544);
    assert_eq!(vgg19(1000).init(&d).unwrap().num_params(), 143_667_240);
    // Batch norm: Burn also counts the running statistics, which no optimiser trains.
    let bn = vgg16_bn(1000).init(&d).unwrap();
    assert_eq!(bn.num_params() - bn.running_stats(), 138_365_992);
}

#[test]
fn imagenet_vgg16_maps_224_to_7x7x512_to_1000() {
    let d = device();
    let model = vgg16(1000).init(&d).unwrap();
    let images = Tensor::<4>::ones([1, 3, 224, 224], &d);
    assert_eq!(
        model.forward_features(images.clone()).dims(),
        [1, 512, 7, 7]
    );
    assert_eq!(model.forward(images).dims(), [1, 1000]);
    let summary = model.summary([3, 224, 224], &d);
    let convs = summary.layers.iter().filter(|l| l.kind == "Conv2d").count();
    let dense = summary.layers.iter().filter(|l| l.kind == "Linear").count();
    assert_eq!(
        (convs, dense),
        (13, 3),
        "VGG-16 has 13 conv + 3 dense weight layers"
    );
    let widths: Vec<usize> = summary
        .layers
        .iter()
        .filter(|l| l.kind == "Linear")
        .map(|l| l.output_shape[1])
        .collect();
    assert_eq!(widths, vec![4096, 4096, 1000]);
    assert_eq!(summary.layer_params(), 138_357_544);
}

#[test]
fn compact_head_output_shapes_for_small_inputs() {
    let d = device();
    for c in [1, 3] {
        let model = VggConfig::compact(VggArch::D, 10)
            .with_in_channels(c)
            .init(&d)
            .unwrap();
        let images = Tensor::zeros([2, c, 32, 32], &d);
        assert_eq!(
            model.forward_features(images.clone()).dims(),
            [2, 512, 1, 1]
        );
        assert_eq!(model.forward(images).dims(), [2, 10]);
    }
    // 28x28 Fashion-MNIST must be padded to 32x32 first: five poolings leave nothing of it.
    let err = VggConfig::compact(VggArch::D, 10)
        .with_in_channels(1)
        .with_input_size([28, 28])
        .init(&d)
        .unwrap_err();
    assert!(err.to_string().contains("32x32"), "{err}");
}

#[test]
fn blocks_end_at_each_pooling() {
    let d = device();
    let model = VggConfig::compact(VggArch::D, 10).init(&d).unwrap();
    let blocks = model.block_activations(Tensor::ones([1, 3, 64, 64], &d));
    let dims: Vec<[usize; 4]> = blocks.iter().map(|b| b.output.dims()).collect();
    assert_eq!(
        dims,
        vec![
            [1, 64, 32, 32],
            [1, 128, 16, 16],
            [1, 256, 8, 8],
            [1, 512, 4, 4],
            [1, 512, 2, 2]
        ]
    );
    let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "features.4",
            "features.9",
            "features.16",
            "features.23",
            "features.30"
        ]
    );
}

/// torchvision's `vgg16().state_dict().keys()`, in order.
fn torchvision_vgg16_keys() -> Vec<String> {
    let convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
    let mut keys = Vec::new();
    for i in convs {
        keys.push(format!("features.{i}.weight"));
        keys.push(format!("features.{i}.bias"));
    }
    for i in [0, 3, 6] {
        keys.push(format!("classifier.{i}.weight"));
        keys.push(format!("classifier.{i}.bias"));
    }
    keys
}

#[test]
fn key_table_covers_torchvision_and_every_burn_tensor() {
    let model = vgg16(1000).init(&device()).unwrap();
    let table = model.torchvision_keys();
    let tv: Vec<String> = table.iter().map(|k| k.torchvision.clone()).collect();
    assert_eq!(tv, torchvision_vgg16_keys());
    let burn: Vec<String> = table.iter().map(|k| k.burn.clone()).collect();
    assert_eq!(burn, param_paths(&model));
    assert!(
        table
            .iter()
            .filter(|k| k.transpose)
            .all(|k| k.burn.ends_with("Linear.weight"))
    );
    // The regular expressions for burn-store rename torchvision keys the same way.
    let rules: Vec<(regex::Regex, &str)> = Vgg::torchvision_remapping()
        .iter()
        .map(|(p, r)| (regex::Regex::new(p).unwrap(), *r))
        .collect();
    for row in &table {
        let (re, rep) = rules
            .iter()
            .find(|(re, _)| re.is_match(&row.torchvision))
            .unwrap();
        assert_eq!(re.replace(&row.torchvision, *rep), row.burn);
    }
}

#[test]
fn batch_norm_key_table() {
    let model = vgg16_bn(1000).init(&device()).unwrap();
    let table = model.torchvision_keys();
    // torchvision's vgg16_bn: conv at 0, bn at 1, relu at 2, conv at 3 ...; classifier as vgg16.
    let first: Vec<(&str, &str)> = table[..6]
        .iter()
        .map(|k| (k.torchvision.as_str(), k.burn.as_str()))
        .collect();
    assert_eq!(
        first,
        [
            ("features.0.weight", "features.0.Conv2d.weight"),
            ("features.0.bias", "features.0.Conv2d.bias"),
            ("features.1.weight", "features.1.BatchNorm.gamma"),
            ("features.1.bias", "features.1.BatchNorm.beta"),
            (
                "features.1.running_mean",
                "features.1.BatchNorm.running_mean"
            ),
            ("features.1.running_var", "features.1.BatchNorm.running_var"),
        ]
    );
    assert!(table.iter().any(|k| k.torchvision == "features.41.weight"));
    let burn: Vec<String> = table.iter().map(|k| k.burn.clone()).collect();
    assert_eq!(burn, param_paths(&model));
    assert_eq!(torchvision_bn_remapping(&model).len(), table.len());
}

fn first_conv_weight(model: &Vgg) -> Tensor<4> {
    match &model.features[0] {
        VggLayer::Conv2d(conv) => conv.weight.val().inner(),
        other => panic!("features.0 is {}", other.kind()),
    }
}

#[test]
fn a_compact_vgg_learns_a_fixed_batch() {
    let d = device().autodiff();
    // Plain VGG barely moves in a few steps from scratch (the reason batch norm was added to it);
    // the `_bn` form learns a fixed batch quickly.
    let model = VggConfig::compact(VggArch::A, 4)
        .with_in_channels(1)
        .with_batch_norm(true)
        .with_hidden(64)
        .init(&d)
        .unwrap();
    let before = first_conv_weight(&model);
    let (images, labels) = learnable_batch(&d, 16, [1, 32, 32], 4);
    let (model, losses) = train_steps(model, images, labels, 25, 1e-3);
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(*losses.last().unwrap() < losses[0] * 0.6, "{losses:?}");
    assert!(max_abs_diff(before, first_conv_weight(&model)) > 0.0);
}

#[test]
fn saved_weights_load_into_a_fresh_model_with_identical_outputs() {
    let d = device();
    let config = VggConfig::compact(VggArch::A, 10)
        .with_batch_norm(true)
        .with_hidden(32);
    let model = config.init(&d).unwrap();
    let fresh = config.init(&d).unwrap();
    let images = Tensor::<4>::ones([2, 3, 32, 32], &d);
    let expected = model.forward(images.clone());
    let loaded = record_round_trip(model, fresh);
    assert_eq!(max_abs_diff(expected, loaded.forward(images)), 0.0);
}

#[test]
fn weights_for_another_class_count_are_an_error() {
    let d = device();
    let ten = VggConfig::compact(VggArch::A, 10)
        .with_hidden(0)
        .init(&d)
        .unwrap();
    let five = VggConfig::compact(VggArch::A, 5)
        .with_hidden(0)
        .init(&d)
        .unwrap();
    assert!(five.try_load_record(ten.into_record()).is_err());
}
