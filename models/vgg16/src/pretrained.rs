//! torchvision's and timm's VGG weights (feature `pretrained`).
//!
//! - [`load_torchvision`]: a torchvision state dict (`.pth`, as `torch.save(model.state_dict())`
//!   writes it and as torchvision publishes it) or safetensors, in torchvision's layout or in
//!   timm's (`vgg16.tv_in1k`: `pre_logits.fc1` stored as a 7x7 convolution, `head.fc`), loaded
//!   strictly (every key, every shape, nothing left over; see [`zoo_core::pretrained`]).
//! - [`save_torchvision`]: safetensors that `torchvision.models.vgg16()` loads with
//!   `load_state_dict(..., strict=True)`.
//! - [`VggWeights`]: torchvision's published ImageNet weights, with their files, checksums and
//!   documented accuracy.
//!
//! ```no_run
//! use burn::prelude::*;
//! use vgg16::pretrained::{VggWeights, load_torchvision};
//!
//! let device = Device::flex();
//! let weights = VggWeights::Vgg16;
//! let model = weights.config().init(&device).unwrap();
//! // The file torchvision downloads to ~/.cache/torch/hub/checkpoints.
//! let model = load_torchvision(model, std::path::Path::new("vgg16-397923af.pth")).unwrap();
//! ```

use std::path::Path;

use zoo_core::pretrained::{KeyLayout, PretrainedError, WeightsFormat};

use crate::config::{VggArch, VggConfig};
use crate::model::Vgg;

/// torchvision's keys: `features.0.weight` is the record path `features.0.Conv2d.weight`.
fn layout() -> KeyLayout {
    KeyLayout {
        skip_enum_variants: true,
        ..KeyLayout::default()
    }
}

/// Loads torchvision-layout (or timm-layout) VGG weights from `path` into `model`, strictly.
///
/// The model must have the file's architecture: depth, batch norm, number of classes, hidden
/// width and head. A file of another VGG (or of anything else) is refused with the offending
/// keys listed.
pub fn load_torchvision(model: Vgg, path: &Path) -> Result<Vgg, PretrainedError> {
    load_inner(model, path, layout()).map(|(model, _)| model)
}

/// Loads torchvision-layout (or timm-layout) weights to fine-tune from: like
/// [`load_torchvision`], but classifier layers of another shape (another number of classes,
/// the compact head, other hidden widths) keep `model`'s fresh weights. Returns the model and
/// the record paths of the tensors left fresh.
pub fn load_torchvision_features(
    model: Vgg,
    path: &Path,
) -> Result<(Vgg, Vec<String>), PretrainedError> {
    let layout = KeyLayout {
        fresh: vec!["classifier.".to_string()],
        ..layout()
    };
    load_inner(model, path, layout)
}

fn load_inner(
    model: Vgg,
    path: &Path,
    layout: KeyLayout,
) -> Result<(Vgg, Vec<String>), PretrainedError> {
    let name = model.name.clone();
    if WeightsFormat::of_file(path)? == WeightsFormat::Safetensors {
        let bytes = zoo_core::pretrained::read(path)?;
        let converted =
            timm_to_torchvision(&bytes).map_err(|reason| PretrainedError::NotWeights {
                path: path.to_path_buf(),
                reason,
            })?;
        let bytes = converted.unwrap_or(bytes);
        return zoo_core::pretrained::import_safetensors_bytes(model, bytes, path, &name, &layout);
    }
    zoo_core::pretrained::import_weights_keeping(model, path, &name, &layout)
}

/// timm's keys for torchvision's classifier layers (timm's `vgg*.tv_in1k` checkpoints).
const TIMM_KEYS: [(&str, &str); 3] = [
    ("pre_logits.fc1.", "classifier.0."),
    ("pre_logits.fc2.", "classifier.3."),
    ("head.fc.", "classifier.6."),
];

/// timm-layout safetensors rewritten into torchvision's layout, or `None` when `bytes` are not
/// timm's layout (no `pre_logits.fc1.weight`).
///
/// timm stores torchvision's first two dense layers as convolutions over the 7x7 features:
/// `pre_logits.fc1.weight` `[4096, 512, 7, 7]` is `classifier.0.weight` `[4096, 25088]` with
/// the same numbers in the same order (torchvision flattens channel, row, column), and
/// `pre_logits.fc2.weight` `[4096, 4096, 1, 1]` is `classifier.3.weight`. Only names and
/// shapes change.
pub fn timm_to_torchvision(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    use zoo_core::pretrained::safetensors::{
        self,
        tensor::{SafeTensors, TensorView},
    };
    let file = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    if file.tensor("pre_logits.fc1.weight").is_err() {
        return Ok(None);
    }
    let mut renamed = Vec::new();
    for (key, view) in file.tensors() {
        let (key, shape) = match TIMM_KEYS.iter().find(|(t, _)| key.starts_with(t)) {
            Some((timm, tv)) => {
                let key = key.replacen(timm, tv, 1);
                let shape = view.shape().to_vec();
                let shape = if key.ends_with(".weight") && shape.len() == 4 {
                    vec![shape[0], shape[1..].iter().product()]
                } else {
                    shape
                };
                (key, shape)
            }
            None => (key, view.shape().to_vec()),
        };
        let view = TensorView::new(view.dtype(), shape, view.data()).map_err(|e| e.to_string())?;
        renamed.push((key, view));
    }
    safetensors::serialize(renamed, None)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Writes `model`'s weights to `path` as safetensors in torchvision's layout, atomically:
/// `torchvision.models.vgg16()` (or the model's twin) loads them with `strict=True`.
pub fn save_torchvision(model: &Vgg, path: &Path) -> Result<(), PretrainedError> {
    zoo_core::pretrained::export_safetensors(model, path, &layout())
}

/// torchvision's ImageNet weights for VGG (`IMAGENET1K_V1`), 1,000 classes, 224x224 inputs.
///
/// Accuracy is torchvision's documented single-crop top-1 / top-5 on ImageNet-1k validation
/// (resize 256, centre crop 224).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VggWeights {
    /// `vgg11-8a719046.pth`: top-1 69.020%, top-5 88.628%.
    Vgg11,
    /// `vgg11_bn-6002323d.pth`: top-1 70.370%, top-5 89.810%.
    Vgg11Bn,
    /// `vgg13-19584684.pth`: top-1 69.928%, top-5 89.246%.
    Vgg13,
    /// `vgg13_bn-abd245e5.pth`: top-1 71.586%, top-5 90.374%.
    Vgg13Bn,
    /// `vgg16-397923af.pth`: top-1 71.592%, top-5 90.382%.
    Vgg16,
    /// `vgg16_bn-6c64b313.pth`: top-1 73.360%, top-5 91.516%.
    Vgg16Bn,
    /// `vgg19-dcbb9e9d.pth`: top-1 72.376%, top-5 90.876%.
    Vgg19,
    /// `vgg19_bn-c79401a0.pth`: top-1 74.218%, top-5 91.842%.
    Vgg19Bn,
}

impl VggWeights {
    /// Every published file.
    pub const ALL: [VggWeights; 8] = [
        Self::Vgg11,
        Self::Vgg11Bn,
        Self::Vgg13,
        Self::Vgg13Bn,
        Self::Vgg16,
        Self::Vgg16Bn,
        Self::Vgg19,
        Self::Vgg19Bn,
    ];

    fn table(self) -> (VggArch, bool, &'static str, f32, f32) {
        match self {
            Self::Vgg11 => (VggArch::A, false, "vgg11-8a719046.pth", 69.020, 88.628),
            Self::Vgg11Bn => (VggArch::A, true, "vgg11_bn-6002323d.pth", 70.370, 89.810),
            Self::Vgg13 => (VggArch::B, false, "vgg13-19584684.pth", 69.928, 89.246),
            Self::Vgg13Bn => (VggArch::B, true, "vgg13_bn-abd245e5.pth", 71.586, 90.374),
            Self::Vgg16 => (VggArch::D, false, "vgg16-397923af.pth", 71.592, 90.382),
            Self::Vgg16Bn => (VggArch::D, true, "vgg16_bn-6c64b313.pth", 73.360, 91.516),
            Self::Vgg19 => (VggArch::E, false, "vgg19-dcbb9e9d.pth", 72.376, 90.876),
            Self::Vgg19Bn => (VggArch::E, true, "vgg19_bn-c79401a0.pth", 74.218, 91.842),
        }
    }

    /// The weights for a depth with or without batch norm.
    pub fn of(arch: VggArch, batch_norm: bool) -> Self {
        Self::ALL
            .into_iter()
            .find(|w| {
                let (a, bn, ..) = w.table();
                a == arch && bn == batch_norm
            })
            .expect("every depth has weights with and without batch norm")
    }

    /// The configuration the weights fit: torchvision's model, 1,000 classes.
    pub fn config(self) -> VggConfig {
        let (arch, batch_norm, ..) = self.table();
        VggConfig::new(arch, 1000).with_batch_norm(batch_norm)
    }

    /// The file's name, as torchvision caches it: `vgg16-397923af.pth`.
    pub fn file_name(self) -> &'static str {
        self.table().2
    }

    /// Where torchvision downloads the file from.
    pub fn url(self) -> String {
        format!("https://download.pytorch.org/models/{}", self.file_name())
    }

    /// The first 8 hex digits of the file's SHA-256 (the suffix of its name), which
    /// torchvision checks after downloading.
    pub fn sha256_prefix(self) -> &'static str {
        let name = self.file_name();
        let stem = name.strip_suffix(".pth").expect("a .pth file");
        &stem[stem.len() - 8..]
    }

    /// Documented ImageNet-1k top-1 accuracy, percent.
    pub fn top1(self) -> f32 {
        self.table().3
    }

    /// Documented ImageNet-1k top-5 accuracy, percent.
    pub fn top5(self) -> f32 {
        self.table().4
    }
}

impl VggWeights {
    /// The weights torchvision names `name` (`vgg16`, `vgg16_bn`, ...).
    pub fn from_torchvision_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.config().name() == name)
    }
}

/// The 1,000 ImageNet class names in the output order of torchvision's weights (torchvision's
/// `_IMAGENET_CATEGORIES`).
pub fn imagenet_classes() -> Vec<&'static str> {
    include_str!("imagenet_classes.txt").lines().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_depth_has_its_file_and_checksum() {
        assert_eq!(VggWeights::Vgg16.sha256_prefix(), "397923af");
        assert_eq!(
            VggWeights::of(VggArch::D, true).url(),
            "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth"
        );
        for w in VggWeights::ALL {
            assert_eq!(VggWeights::of(w.config().arch, w.config().batch_norm), w);
            assert!(w.top1() < w.top5());
            assert_eq!(
                VggWeights::from_torchvision_name(&w.config().name()),
                Some(w)
            );
        }
        assert_eq!(VggWeights::from_torchvision_name("resnet50"), None);
    }

    #[test]
    fn a_thousand_imagenet_classes() {
        let classes = imagenet_classes();
        assert_eq!(classes.len(), 1000);
        assert_eq!((classes[0], classes[999]), ("tench", "toilet tissue"));
    }
}
