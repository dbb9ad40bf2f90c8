//! The key table between torchvision's VGG state dicts and this crate's modules.
//!
//! Indices are the same on both sides (`features.28` is torchvision's `features[28]`); Burn adds
//! the layer type after the index, and batch norm calls its scale and shift `gamma`/`beta`:
//!
//! | torchvision key                 | Burn record path                          | note        |
//! |---------------------------------|-------------------------------------------|-------------|
//! | `features.{i}.weight` (conv)    | `features.{i}.Conv2d.weight`              |             |
//! | `features.{i}.bias` (conv)      | `features.{i}.Conv2d.bias`                |             |
//! | `features.{i}.weight` (bn)      | `features.{i}.BatchNorm.gamma`            |             |
//! | `features.{i}.bias` (bn)        | `features.{i}.BatchNorm.beta`             |             |
//! | `features.{i}.running_mean`     | `features.{i}.BatchNorm.running_mean`     |             |
//! | `features.{i}.running_var`      | `features.{i}.BatchNorm.running_var`      |             |
//! | `features.{i}.num_batches_tracked` | —                                      | not used    |
//! | `classifier.{i}.weight`         | `classifier.{i}.Linear.weight`            | transposed  |
//! | `classifier.{i}.bias`           | `classifier.{i}.Linear.bias`              |             |
//!
//! PyTorch stores a linear weight as `[out, in]`, Burn as `[in, out]`: importers (burn-store's
//! `PytorchStore`) transpose it. [`Vgg::torchvision_keys`] lists the table for one model.

use crate::model::{Vgg, VggLayer};

/// One row of the key table: a torchvision state-dict key and the Burn record path it loads into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMapping {
    /// The key in torchvision's `state_dict()`.
    pub torchvision: String,
    /// The path of the tensor in this crate's module (and its burnpack record).
    pub burn: String,
    /// Whether the tensor must be transposed (linear weights).
    pub transpose: bool,
}

impl KeyMapping {
    fn new(torchvision: String, burn: String, transpose: bool) -> Self {
        Self {
            torchvision,
            burn,
            transpose,
        }
    }
}

fn layer_keys(prefix: &str, index: usize, layer: &VggLayer, out: &mut Vec<KeyMapping>) {
    let tv = |name: &str| format!("{prefix}.{index}.{name}");
    let burn = |kind: &str, name: &str| format!("{prefix}.{index}.{kind}.{name}");
    match layer {
        VggLayer::Conv2d(conv) => {
            out.push(KeyMapping::new(
                tv("weight"),
                burn("Conv2d", "weight"),
                false,
            ));
            if conv.bias.is_some() {
                out.push(KeyMapping::new(tv("bias"), burn("Conv2d", "bias"), false));
            }
        }
        VggLayer::BatchNorm(_) => {
            for (t, b) in [
                ("weight", "gamma"),
                ("bias", "beta"),
                ("running_mean", "running_mean"),
                ("running_var", "running_var"),
            ] {
                out.push(KeyMapping::new(tv(t), burn("BatchNorm", b), false));
            }
        }
        VggLayer::Linear(linear) => {
            out.push(KeyMapping::new(
                tv("weight"),
                burn("Linear", "weight"),
                true,
            ));
            if linear.bias.is_some() {
                out.push(KeyMapping::new(tv("bias"), burn("Linear", "bias"), false));
            }
        }
        VggLayer::Relu(_) | VggLayer::MaxPool2d(_) | VggLayer::Dropout(_) => {}
    }
}

impl Vgg {
    /// The key table for this model: every tensor of its record with the torchvision
    /// `state_dict` key it corresponds to, in record order.
    pub fn torchvision_keys(&self) -> Vec<KeyMapping> {
        let mut out = Vec::new();
        for (i, layer) in self.features.iter().enumerate() {
            layer_keys("features", i, layer, &mut out);
        }
        for (i, layer) in self.classifier.iter().enumerate() {
            layer_keys("classifier", i, layer, &mut out);
        }
        out
    }

    /// Regular expressions (pattern, replacement) that rename torchvision keys into this
    /// crate's paths, for burn-store's `KeyRemapper` (`PytorchStore::with_key_remapping`).
    /// Batch-norm models need [`torchvision_bn_remapping`] instead.
    pub fn torchvision_remapping() -> [(&'static str, &'static str); 2] {
        [
            (r"^features\.(\d+)\.(weight|bias)$", "features.$1.Conv2d.$2"),
            (
                r"^classifier\.(\d+)\.(weight|bias)$",
                "classifier.$1.Linear.$2",
            ),
        ]
    }
}

/// The per-key renaming for a batch-norm model, where `features.{i}.weight` is a convolution or
/// a batch norm depending on `i`: built from [`Vgg::torchvision_keys`].
pub fn torchvision_bn_remapping(model: &Vgg) -> Vec<(String, String)> {
    model
        .torchvision_keys()
        .into_iter()
        .map(|k| (format!("^{}$", regex_escape(&k.torchvision)), k.burn))
        .collect()
}

fn regex_escape(key: &str) -> String {
    key.replace('.', r"\.")
}
