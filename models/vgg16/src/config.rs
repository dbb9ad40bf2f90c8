//! VGG configurations: the four depths of the paper, batch norm, and the two heads.

use burn::config::Config;
use burn::tensor::Device;
use zoo_core::{ConfigError, ModelConfig};

use crate::model::Vgg;

/// The VGG configurations of the paper (Simonyan & Zisserman, table 1) and of torchvision.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum VggArch {
    /// VGG-11: 8 convolutions + 3 dense layers.
    A,
    /// VGG-13: 10 convolutions + 3 dense layers.
    B,
    /// VGG-16: 13 convolutions + 3 dense layers (the lecture's model).
    D,
    /// VGG-19: 16 convolutions + 3 dense layers.
    E,
}

/// One entry of a VGG feature stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSpec {
    /// A 3x3 `same` convolution to this many channels (then batch norm if enabled, then ReLU).
    Conv(usize),
    /// A 2x2 max pooling with stride 2.
    Pool,
}

impl VggArch {
    /// The feature stack, as torchvision's `cfgs` lists it.
    pub fn features(&self) -> Vec<FeatureSpec> {
        use FeatureSpec::{Conv, Pool};
        let stages: &[&[usize]] = match self {
            VggArch::A => &[&[64], &[128], &[256, 256], &[512, 512], &[512, 512]],
            VggArch::B => &[
                &[64, 64],
                &[128, 128],
                &[256, 256],
                &[512, 512],
                &[512, 512],
            ],
            VggArch::D => &[
                &[64, 64],
                &[128, 128],
                &[256, 256, 256],
                &[512, 512, 512],
                &[512, 512, 512],
            ],
            VggArch::E => &[
                &[64, 64],
                &[128, 128],
                &[256, 256, 256, 256],
                &[512, 512, 512, 512],
                &[512, 512, 512, 512],
            ],
        };
        stages
            .iter()
            .flat_map(|stage| stage.iter().map(|&c| Conv(c)).chain([Pool]))
            .collect()
    }

    /// The number of weight layers (11, 13, 16 or 19).
    pub fn depth(&self) -> usize {
        let convs = self
            .features()
            .iter()
            .filter(|f| matches!(f, FeatureSpec::Conv(_)))
            .count();
        convs + 3
    }
}

/// What follows the convolutional features.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum VggHead {
    /// torchvision's head: adaptive average pooling to 7x7, then
    /// `25088 -> hidden -> hidden -> num_classes` with ReLU and dropout (hidden = 4096).
    ImageNet,
    /// For small images (32x32 CIFAR, padded Fashion-MNIST): the features end at
    /// `H/32 x W/32 x 512` (1x1x512 for 32x32) and are flattened straight into the classifier,
    /// without the 7x7 pooling that would copy one pixel 49 times.
    Compact,
}

/// Configuration of a [`Vgg`] model.
///
/// The constructors mirror torchvision: [`vgg16`](crate::vgg16), [`vgg16_bn`](crate::vgg16_bn),
/// and so on; [`VggConfig::compact`] gives the small-input form.
///
/// ```
/// use vgg16::{vgg16, VggArch, VggConfig};
///
/// assert_eq!(vgg16(1000).num_params().unwrap(), 138_357_544);
/// // features + Linear(512, 10), the usual CIFAR-10 VGG-16.
/// let cifar = VggConfig::compact(VggArch::D, 10).with_hidden(0);
/// assert_eq!(cifar.num_params().unwrap(), 14_719_818);
/// ```
#[derive(Config, Debug)]
pub struct VggConfig {
    /// Depth: A, B, D or E (VGG-11, 13, 16, 19).
    pub arch: VggArch,
    /// Number of classes (the logits' width).
    pub num_classes: usize,
    /// Batch normalisation after each convolution (torchvision's `_bn` models).
    #[config(default = false)]
    pub batch_norm: bool,
    /// Channels of the input images.
    #[config(default = 3)]
    pub in_channels: usize,
    /// Input height and width (for validation and summaries; the ImageNet head accepts any
    /// size of at least 32x32).
    #[config(default = "[224, 224]")]
    pub input_size: [usize; 2],
    /// The head after the features.
    #[config(default = "VggHead::ImageNet")]
    pub head: VggHead,
    /// Width of the two hidden dense layers; 0 puts a single `Linear(features, num_classes)`
    /// after the features.
    #[config(default = 4096)]
    pub hidden: usize,
    /// Dropout before each hidden dense layer's successor (torchvision: 0.5).
    #[config(default = 0.5)]
    pub dropout: f64,
    /// Every convolution's width divided by this (1: the paper's 64..512 channels; 8: 8..64,
    /// the narrow twins the weight-import tests use). A divisor of 64.
    #[config(default = 1)]
    pub width_divisor: usize,
}

impl VggConfig {
    /// The small-input form for 32x32 images: compact head, two hidden layers of 512.
    pub fn compact(arch: VggArch, num_classes: usize) -> Self {
        Self::new(arch, num_classes)
            .with_input_size([32, 32])
            .with_head(VggHead::Compact)
            .with_hidden(512)
    }

    /// The model's name: `vgg16`, `vgg11_bn`, ...
    pub fn name(&self) -> String {
        let bn = if self.batch_norm { "_bn" } else { "" };
        format!("vgg{}{bn}", self.arch.depth())
    }

    /// Checks the configuration; returns the width of the flattened features.
    pub fn flatten_size(&self) -> Result<usize, ConfigError> {
        self.validate()?;
        let [h, w] = self.input_size;
        let channels = self.channels(512);
        Ok(match self.head {
            VggHead::ImageNet => channels * 7 * 7,
            VggHead::Compact => channels * (h / 32) * (w / 32),
        })
    }

    /// The width of a convolution the paper makes `paper` channels wide.
    pub fn channels(&self, paper: usize) -> usize {
        paper / self.width_divisor.max(1)
    }

    /// Checks the configuration: classes and channels present, dropout in `[0, 1)`, an input
    /// of at least 32x32 (five poolings), a width divisor that divides 64.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.width_divisor == 0 || 64 % self.width_divisor != 0 {
            return Err(ConfigError::WidthDivisor {
                divisor: self.width_divisor,
                channels: 64,
            });
        }
        if self.num_classes == 0 {
            return Err(ConfigError::ZeroClasses);
        }
        if self.in_channels == 0 {
            return Err(ConfigError::ZeroChannels);
        }
        ConfigError::check_dropout("dropout", self.dropout)?;
        let [h, w] = self.input_size;
        // Five 2x2 poolings: anything below 32 pixels vanishes.
        if h < 32 || w < 32 {
            return Err(ConfigError::InputTooSmall {
                model: self.name(),
                height: h,
                width: w,
                min: 32,
            });
        }
        Ok(())
    }

    /// The number of parameters the model will have, without building it (batch norm counts
    /// its scale and shift, not its running statistics, as PyTorch does).
    pub fn num_params(&self) -> Result<usize, ConfigError> {
        let flatten = self.flatten_size()?;
        let mut channels = self.in_channels;
        let mut total = 0;
        for spec in self.arch.features() {
            if let FeatureSpec::Conv(c) = spec {
                let c = self.channels(c);
                total += channels * c * 9 + c;
                if self.batch_norm {
                    total += 2 * c;
                }
                channels = c;
            }
        }
        let dense = |i: usize, o: usize| i * o + o;
        total += if self.hidden == 0 {
            dense(flatten, self.num_classes)
        } else {
            dense(flatten, self.hidden)
                + dense(self.hidden, self.hidden)
                + dense(self.hidden, self.num_classes)
        };
        Ok(total)
    }

    /// Builds the model with freshly initialised weights on `device`.
    ///
    /// Fails with a [`ConfigError`] (never a panic) for zero classes or channels, dropout outside
    /// `[0, 1)` or an input smaller than 32x32.
    pub fn init(&self, device: &Device) -> Result<Vgg, ConfigError> {
        let flatten = self.flatten_size()?;
        Ok(Vgg::new(self, flatten, device))
    }
}

macro_rules! constructors {
    ($($name:ident, $bn:ident, $arch:ident, $depth:literal;)*) => {$(
        #[doc = concat!("VGG-", $depth, " in torchvision's ImageNet form (224x224, 7x7 pooling, ")]
        #[doc = "4096-wide classifier), like `torchvision.models."]
        #[doc = concat!(stringify!($name), "`.")]
        pub fn $name(num_classes: usize) -> VggConfig {
            VggConfig::new(VggArch::$arch, num_classes)
        }

        #[doc = concat!("VGG-", $depth, " with batch normalisation, like `torchvision.models.")]
        #[doc = concat!(stringify!($bn), "`.")]
        pub fn $bn(num_classes: usize) -> VggConfig {
            VggConfig::new(VggArch::$arch, num_classes).with_batch_norm(true)
        }
    )*};
}

constructors! {
    vgg11, vgg11_bn, A, "11";
    vgg13, vgg13_bn, B, "13";
    vgg16, vgg16_bn, D, "16";
    vgg19, vgg19_bn, E, "19";
}

impl ModelConfig for VggConfig {
    type Model = Vgg;

    fn input_shape(&self) -> [usize; 3] {
        let [h, w] = self.input_size;
        [self.in_channels, h, w]
    }

    fn build(&self, device: &Device) -> Result<Vgg, ConfigError> {
        self.init(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torchvision_parameter_counts() {
        assert_eq!(vgg11(1000).num_params().unwrap(), 132_863_336);
        assert_eq!(vgg13(1000).num_params().unwrap(), 133_047_848);
        assert_eq!(vgg16(1000).num_params().unwrap(), 138_357_544);
        assert_eq!(vgg19(1000).num_params().unwrap(), 143_667_240);
        assert_eq!(vgg16_bn(1000).num_params().unwrap(), 138_365_992);
        // torchvision's vgg16(num_classes=10).
        assert_eq!(vgg16(10).num_params().unwrap(), 134_301_514);
    }

    #[test]
    fn depths_and_names() {
        assert_eq!(VggArch::A.depth(), 11);
        assert_eq!(VggArch::B.depth(), 13);
        assert_eq!(VggArch::D.depth(), 16);
        assert_eq!(VggArch::E.depth(), 19);
        assert_eq!(vgg16_bn(10).name(), "vgg16_bn");
    }

    #[test]
    fn compact_head_sizes() {
        let c = VggConfig::compact(VggArch::D, 10);
        assert_eq!(c.flatten_size().unwrap(), 512);
        assert_eq!(
            c.clone().with_input_size([64, 64]).flatten_size().unwrap(),
            2048
        );
        assert_eq!(c.with_hidden(0).num_params().unwrap(), 14_719_818);
    }

    #[test]
    fn invalid_configs_are_errors() {
        assert_eq!(vgg16(0).flatten_size(), Err(ConfigError::ZeroClasses));
        assert!(matches!(
            vgg16(10).with_input_size([31, 224]).flatten_size(),
            Err(ConfigError::InputTooSmall { min: 32, .. })
        ));
        assert!(matches!(
            vgg16(10).with_dropout(-0.1).flatten_size(),
            Err(ConfigError::Dropout { .. })
        ));
        assert_eq!(
            vgg16(10).with_in_channels(0).flatten_size(),
            Err(ConfigError::ZeroChannels)
        );
    }
}
