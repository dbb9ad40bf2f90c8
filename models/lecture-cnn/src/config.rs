//! The configuration of the lecture CNN, separate from the module.

use burn::config::Config;
use burn::tensor::Device;
use zoo_core::{ConfigError, ModelConfig};

use crate::model::LectureCnn;

/// Padding of the third convolution.
///
/// The lecture's code gives the third `Conv2D` no padding, and Keras defaults to `valid`
/// (32x32 input: 8x8 -> 6x6 -> pooled 3x3); its comment `4x4x144` only holds with `same`.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Conv3Padding {
    /// No padding: the output shrinks by 2 (Keras' default, what the lecture's code runs).
    Valid,
    /// Zero padding that keeps the size (what the lecture's comment `4x4x144` describes).
    Same,
}

/// How each block halves the height and width of its feature maps.
///
/// The lecture's model uses 2x2 max pooling, which has no parameters and makes the output
/// change less when the input shifts by a pixel. `Stride` is the control that tests that claim:
/// each pool replaced by a learned 2x2 convolution with stride 2 and a ReLU (the same windows
/// and output shapes; a weighted sum instead of the maximum; Springenberg et al. 2015's
/// "all-convolutional" replacement).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// 2x2 max pooling, stride 2 (the lecture's model).
    Max,
    /// A 2x2 convolution with stride 2 (channels kept) and a ReLU in place of each pool.
    Stride,
}

/// How the weights start.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum WeightInit {
    /// As Keras does for the lecture's model: Glorot-uniform weights, zero biases.
    Keras,
    /// Burn's layer defaults: Kaiming-uniform weights and biases.
    Burn,
}

/// Configuration of [`LectureCnn`]: the Keras model of the lecture, block by block.
///
/// ```
/// use lecture_cnn::LectureCnnConfig;
///
/// // Fashion-MNIST padded to 32x32, 10 classes: 870,058 parameters, as Keras counts them.
/// let config = LectureCnnConfig::new(10).with_in_channels(1);
/// assert_eq!(config.flatten_size().unwrap(), 144 * 3 * 3);
/// assert_eq!(config.num_params().unwrap(), 870_058);
/// ```
#[derive(Config, Debug)]
pub struct LectureCnnConfig {
    /// Number of classes (the logits' width).
    pub num_classes: usize,
    /// Channels of the input images (1 for grey, 3 for RGB).
    #[config(default = 3)]
    pub in_channels: usize,
    /// Input height and width.
    #[config(default = "[32, 32]")]
    pub input_size: [usize; 2],
    /// Filters of the first convolution; the next two have 2x and 4x as many, the dense layer
    /// 16x (the lecture's `n_filter = 36`: 36, 72, 144 and 576).
    #[config(default = 36)]
    pub base_filters: usize,
    /// Dropout after each convolution block (lecture: 0.25).
    #[config(default = 0.25)]
    pub conv_dropout: f64,
    /// Dropout after the dense layer (lecture: 0.5).
    #[config(default = 0.5)]
    pub dense_dropout: f64,
    /// Padding of the third convolution.
    #[config(default = "Conv3Padding::Valid")]
    pub conv3_padding: Conv3Padding,
    /// How each block downsamples (max pooling in the lecture).
    #[config(default = "Pooling::Max")]
    pub pooling: Pooling,
    /// Initial weights (Keras' by default, as the lecture's model starts).
    #[config(default = "WeightInit::Keras")]
    pub init: WeightInit,
}

impl LectureCnnConfig {
    /// Checks the configuration: classes, channels and filters present, dropout in `[0, 1)`,
    /// an input large enough for the three poolings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.num_classes == 0 {
            return Err(ConfigError::ZeroClasses);
        }
        if self.in_channels == 0 {
            return Err(ConfigError::ZeroChannels);
        }
        if self.base_filters == 0 {
            return Err(ConfigError::Zero {
                name: "base_filters",
            });
        }
        ConfigError::check_dropout("conv_dropout", self.conv_dropout)?;
        ConfigError::check_dropout("dense_dropout", self.dense_dropout)?;
        if self.pooled_size().contains(&0) {
            let [h, w] = self.input_size;
            return Err(ConfigError::InputTooSmall {
                model: "lecture-cnn".into(),
                height: h,
                width: w,
                min: match self.conv3_padding {
                    Conv3Padding::Valid => 16,
                    Conv3Padding::Same => 8,
                },
            });
        }
        Ok(())
    }

    /// The `[height, width]` after the last pooling (an error for an invalid configuration).
    pub fn final_feature_size(&self) -> Result<[usize; 2], ConfigError> {
        self.validate()?;
        Ok(self.pooled_size())
    }

    /// Two `same` convolutions each followed by a 2x2 pool, then conv3 (shrinking by 2 when
    /// `valid`) and a last pool; 0 where the input is too small.
    fn pooled_size(&self) -> [usize; 2] {
        let shrink = match self.conv3_padding {
            Conv3Padding::Valid => 2,
            Conv3Padding::Same => 0,
        };
        let side = |n: usize| (n / 4).checked_sub(shrink).map(|n| n / 2).unwrap_or(0);
        let [h, w] = self.input_size;
        [side(h), side(w)]
    }

    /// The width of the flattened features fed to the dense layer (1296 for 32x32, valid).
    pub fn flatten_size(&self) -> Result<usize, ConfigError> {
        let [h, w] = self.final_feature_size()?;
        Ok(4 * self.base_filters * h * w)
    }

    /// The number of parameters the model will have, without building it.
    pub fn num_params(&self) -> Result<usize, ConfigError> {
        let f = self.base_filters;
        let conv = |c_in: usize, c_out: usize| c_in * c_out * 9 + c_out;
        let dense = 16 * f;
        // A stride-2 replacement of a pool: a 2x2 convolution that keeps the channels.
        let down = |c: usize| match self.pooling {
            Pooling::Max => 0,
            Pooling::Stride => c * c * 4 + c,
        };
        Ok(conv(self.in_channels, f)
            + down(f)
            + down(2 * f)
            + down(4 * f)
            + conv(f, 2 * f)
            + conv(2 * f, 4 * f)
            + (self.flatten_size()? + 1) * dense
            + (dense + 1) * self.num_classes)
    }

    /// Builds the model with freshly initialised weights on `device`.
    ///
    /// Fails with a [`ConfigError`] (never a panic) for zero classes or channels, dropout outside
    /// `[0, 1)` or an input too small for the three poolings.
    pub fn init(&self, device: &Device) -> Result<LectureCnn, ConfigError> {
        let flatten = self.flatten_size()?;
        Ok(LectureCnn::new(self, flatten, device))
    }
}

impl ModelConfig for LectureCnnConfig {
    type Model = LectureCnn;

    fn input_shape(&self) -> [usize; 3] {
        let [h, w] = self.input_size;
        [self.in_channels, h, w]
    }

    fn build(&self, device: &Device) -> Result<LectureCnn, ConfigError> {
        self.init(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_parameter_counts() {
        let rgb = LectureCnnConfig::new(10);
        assert_eq!(rgb.num_params().unwrap(), 870_706);
        let grey = LectureCnnConfig::new(10).with_in_channels(1);
        assert_eq!(grey.num_params().unwrap(), 870_058);
    }

    #[test]
    fn the_stride_control_adds_only_its_convolutions() {
        let max = LectureCnnConfig::new(10).with_in_channels(1);
        let stride = max.clone().with_pooling(Pooling::Stride);
        assert_eq!(stride.flatten_size(), max.flatten_size());
        let down = |c: usize| c * c * 4 + c;
        assert_eq!(
            stride.num_params().unwrap(),
            870_058 + down(36) + down(72) + down(144)
        );
    }

    #[test]
    fn flatten_size_follows_the_input() {
        let c = LectureCnnConfig::new(10).with_in_channels(1);
        assert_eq!(c.flatten_size().unwrap(), 1296);
        assert_eq!(
            c.clone().with_input_size([28, 28]).flatten_size().unwrap(),
            144 * 2 * 2
        );
        // The lecture's comment "4x4x144" needs `same` padding on conv3.
        assert_eq!(
            c.with_conv3_padding(Conv3Padding::Same)
                .flatten_size()
                .unwrap(),
            144 * 4 * 4
        );
    }

    #[test]
    fn invalid_configs_are_errors() {
        assert_eq!(
            LectureCnnConfig::new(0).flatten_size(),
            Err(ConfigError::ZeroClasses)
        );
        assert_eq!(
            LectureCnnConfig::new(10).with_in_channels(0).flatten_size(),
            Err(ConfigError::ZeroChannels)
        );
        let small = LectureCnnConfig::new(10).with_input_size([15, 32]);
        assert!(matches!(
            small.flatten_size(),
            Err(ConfigError::InputTooSmall { min: 16, .. })
        ));
        assert!(
            LectureCnnConfig::new(10)
                .with_input_size([16, 16])
                .flatten_size()
                .is_ok()
        );
        assert!(matches!(
            LectureCnnConfig::new(10)
                .with_dense_dropout(1.0)
                .flatten_size(),
            Err(ConfigError::Dropout { .. })
        ));
    }
}
