//! The lecture CNN module: three conv blocks, flatten, dense, logits.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::tensor::{Device, Tensor};
use zoo_core::{ImageClassifier, LayerTap, NoTap};

use crate::config::{Conv3Padding, LectureCnnConfig, Pooling, WeightInit};

/// The CNN of the lecture (Keras `Sequential`), shapes for a 1x32x32 input with the defaults.
///
/// Logits out: apply `softmax` for probabilities. Build it with [`LectureCnnConfig::init`].
#[derive(Module, Debug)]
pub struct LectureCnn {
    /// Conv2d(36, 3x3, same): `[N, 36, 32, 32]`.
    pub conv1: Conv2d,
    /// Conv2d(72, 3x3, same): `[N, 72, 16, 16]`.
    pub conv2: Conv2d,
    /// Conv2d(144, 3x3, valid): `[N, 144, 6, 6]`.
    pub conv3: Conv2d,
    /// Dense(576): `[N, 576]`.
    pub fc1: Linear,
    /// Dense(num_classes): `[N, 10]`.
    pub fc2: Linear,
    /// MaxPool2d(2): halves height and width, keeps the channels, has no parameters.
    pub pool: MaxPool2d,
    /// With [`Pooling::Stride`], Conv2d(36, 2x2, stride 2) + ReLU in place of the first pool:
    /// `[N, 36, 16, 16]`.
    pub down1: Option<Conv2d>,
    /// With [`Pooling::Stride`], Conv2d(72, 2x2, stride 2) + ReLU: `[N, 72, 8, 8]`.
    pub down2: Option<Conv2d>,
    /// With [`Pooling::Stride`], Conv2d(144, 2x2, stride 2) + ReLU: `[N, 144, 3, 3]`.
    pub down3: Option<Conv2d>,
    /// ReLU.
    pub relu: Relu,
    /// Dropout(0.25) after each conv block.
    pub conv_dropout: Dropout,
    /// Dropout(0.5) after the dense layer.
    pub dense_dropout: Dropout,
    /// Number of classes.
    pub num_classes: usize,
}

impl LectureCnn {
    /// The model with its convolutions (and stride-2 downsamplers) frozen: no gradients, so an
    /// optimizer trains only the dense layers (fine-tuning imported weights).
    pub fn freeze_features(self) -> Self {
        use burn::module::Module;
        Self {
            conv1: self.conv1.freeze(),
            conv2: self.conv2.freeze(),
            conv3: self.conv3.freeze(),
            down1: self.down1.map(Module::freeze),
            down2: self.down2.map(Module::freeze),
            down3: self.down3.map(Module::freeze),
            ..self
        }
    }

    pub(crate) fn new(config: &LectureCnnConfig, flatten: usize, device: &Device) -> Self {
        let f = config.base_filters;
        let keras = config.init == WeightInit::Keras;
        let glorot = Initializer::XavierUniform { gain: 1.0 };
        let zero_bias = |bias: Option<Param<Tensor<1>>>| {
            bias.map(|b| Param::from_tensor(Tensor::zeros(b.lazy_shape(), device)))
        };
        let conv_k = |c_in, c_out, kernel: usize, stride: usize, padding| {
            let mut c = Conv2dConfig::new([c_in, c_out], [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(padding);
            if keras {
                c = c.with_initializer(glorot.clone());
            }
            let mut conv = c.init(device);
            if keras {
                conv.bias = zero_bias(conv.bias);
            }
            conv
        };
        let conv = |c_in, c_out, padding| conv_k(c_in, c_out, 3, 1, padding);
        let down = |c| {
            (config.pooling == Pooling::Stride).then(|| conv_k(c, c, 2, 2, PaddingConfig2d::Valid))
        };
        let linear = |d_in, d_out| {
            let mut c = LinearConfig::new(d_in, d_out);
            if keras {
                c = c.with_initializer(glorot.clone());
            }
            let mut linear = c.init(device);
            if keras {
                linear.bias = zero_bias(linear.bias);
            }
            linear
        };
        let conv3_padding = match config.conv3_padding {
            Conv3Padding::Valid => PaddingConfig2d::Valid,
            Conv3Padding::Same => PaddingConfig2d::Same,
        };
        Self {
            conv1: conv(config.in_channels, f, PaddingConfig2d::Same),
            conv2: conv(f, 2 * f, PaddingConfig2d::Same),
            conv3: conv(2 * f, 4 * f, conv3_padding),
            fc1: linear(flatten, 16 * f),
            fc2: linear(16 * f, config.num_classes),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            down1: down(f),
            down2: down(2 * f),
            down3: down(4 * f),
            relu: Relu::new(),
            conv_dropout: DropoutConfig::new(config.conv_dropout).init(),
            dense_dropout: DropoutConfig::new(config.dense_dropout).init(),
            num_classes: config.num_classes,
        }
    }

    /// Logits `[N, num_classes]` for images `[N, C, H, W]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_tapped(images, &mut NoTap)
    }

    /// The forward pass, reporting every layer and block to `tap`.
    pub fn forward_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<2> {
        let x = self.conv_block(1, &self.conv1, self.down1.as_ref(), images, tap); // [N, 36, 16, 16]
        let x = self.conv_block(2, &self.conv2, self.down2.as_ref(), x, tap); // [N, 72, 8, 8]
        let x = self.conv_block(3, &self.conv3, self.down3.as_ref(), x, tap); // [N, 144, 3, 3]

        let x: Tensor<2> = x.flatten(1, 3); // [N, 1296]
        tap.reshape("flatten", "Flatten", &x);
        let x = self.relu.forward(zoo_kernels::linear(&self.fc1, x)); // [N, 576]
        tap.layer("fc1", "Linear+ReLU", &x, &self.fc1);
        let x = zoo_kernels::dropout(&self.dense_dropout, x);
        let x = zoo_kernels::linear(&self.fc2, x); // [N, num_classes]
        tap.layer("fc2", "Linear", &x, &self.fc2);
        x
    }

    /// Conv, ReLU, 2x2 max pool (or the stride-2 convolution `down` and its ReLU), dropout
    /// (zoo-kernels: fused and fast on flex, Burn's layers elsewhere).
    fn conv_block<T: LayerTap>(
        &self,
        index: usize,
        conv: &Conv2d,
        down: Option<&Conv2d>,
        x: Tensor<4>,
        tap: &mut T,
    ) -> Tensor<4> {
        let x = zoo_kernels::conv2d_relu(conv, x);
        tap.layer(&format!("conv{index}"), "Conv2d+ReLU", &x, conv);
        let x = match down {
            None => {
                let x = zoo_kernels::max_pool2d(&self.pool, x);
                tap.layer(&format!("pool{index}"), "MaxPool2d", &x, &self.pool);
                x
            }
            Some(down) => {
                let x = zoo_kernels::conv2d_relu(down, x);
                tap.layer(&format!("down{index}"), "Conv2d/2+ReLU", &x, down);
                x
            }
        };
        tap.block(&format!("block{index}"), &x);
        zoo_kernels::dropout(&self.conv_dropout, x)
    }
}

impl ImageClassifier for LectureCnn {
    fn forward_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<2> {
        LectureCnn::forward_tapped(self, images, tap)
    }

    fn first_filters(&self) -> Tensor<4> {
        self.conv1.weight.val()
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn name(&self) -> String {
        "lecture-cnn".to_string()
    }
}
