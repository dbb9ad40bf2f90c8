//! The VGG module, laid out as torchvision's `features` / `avgpool` / `classifier`.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d, Relu,
};
use burn::tensor::{Device, Tensor};
use zoo_core::{ActivationTap, BlockActivation, ImageClassifier, LayerTap, NoTap};

use crate::config::{FeatureSpec, VggConfig, VggHead};

/// One entry of `features` or `classifier`, at the same index as in torchvision's
/// `nn.Sequential`, so `features.28` here is `features[28]` there.
#[derive(Module, Debug)]
pub enum VggLayer {
    /// 3x3 convolution, `same` padding.
    Conv2d(Conv2d),
    /// Batch normalisation (the `_bn` models).
    BatchNorm(BatchNorm),
    /// ReLU.
    Relu(Relu),
    /// 2x2 max pooling, stride 2: halves height and width, keeps the channels.
    MaxPool2d(MaxPool2d),
    /// Fully connected layer.
    Linear(Linear),
    /// Dropout.
    Dropout(Dropout),
}

impl VggLayer {
    /// The layer's type name, as printed in summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            VggLayer::Conv2d(_) => "Conv2d",
            VggLayer::BatchNorm(_) => "BatchNorm2d",
            VggLayer::Relu(_) => "ReLU",
            VggLayer::MaxPool2d(_) => "MaxPool2d",
            VggLayer::Linear(_) => "Linear",
            VggLayer::Dropout(_) => "Dropout",
        }
    }

    /// The layer's forward pass (convolution, pooling and dropout through zoo-kernels: fast on
    /// flex, Burn's layers elsewhere).
    fn forward4(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            VggLayer::Conv2d(m) => zoo_kernels::conv2d(m, x),
            VggLayer::BatchNorm(m) => m.forward(x),
            VggLayer::Relu(m) => m.forward(x),
            VggLayer::MaxPool2d(m) => zoo_kernels::max_pool2d(m, x),
            VggLayer::Linear(m) => m.forward(x),
            VggLayer::Dropout(m) => zoo_kernels::dropout(m, x),
        }
    }

    fn forward2(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            VggLayer::Linear(m) => zoo_kernels::linear(m, x),
            VggLayer::Relu(m) => m.forward(x),
            VggLayer::Dropout(m) => zoo_kernels::dropout(m, x),
            VggLayer::BatchNorm(_) | VggLayer::Conv2d(_) | VggLayer::MaxPool2d(_) => {
                unreachable!("the classifier holds only Linear, ReLU and Dropout layers")
            }
        }
    }
}

/// VGG (Simonyan & Zisserman 2014) in torchvision's layout. Shapes for VGG-16 at 3x224x224:
///
/// ```text
/// features    13 x (Conv2d 3x3 same [+BN] + ReLU), 5 x MaxPool2d  [N, 512, 7, 7]
/// avgpool     AdaptiveAvgPool2d(7x7)                               [N, 512, 7, 7]
/// flatten                                                          [N, 25088]
/// classifier  Linear-ReLU-Dropout, Linear-ReLU-Dropout, Linear     [N, num_classes]
/// ```
///
/// Build it from a [`VggConfig`] (`vgg16(1000).init(&device)`).
#[derive(Module, Debug)]
pub struct Vgg {
    /// The convolutional feature extractor, torchvision indices.
    pub features: Vec<VggLayer>,
    /// Adaptive average pooling to 7x7 (ImageNet head only).
    pub avgpool: Option<AdaptiveAvgPool2d>,
    /// The dense classifier, torchvision indices.
    pub classifier: Vec<VggLayer>,
    /// Number of classes.
    pub num_classes: usize,
    /// Name: `vgg16`, `vgg16_bn`, ...
    pub name: String,
}

impl Vgg {
    /// The model with its convolutional features frozen (Burn's `Module::freeze`): no
    /// gradients, so an optimizer trains only the classifier, and the batch norms normalise with
    /// their running statistics and leave them as they are (fine-tuning imported weights).
    pub fn freeze_features(self) -> Self {
        Self {
            features: self.features.into_iter().map(Module::freeze).collect(),
            ..self
        }
    }

    pub(crate) fn new(config: &VggConfig, flatten: usize, device: &Device) -> Self {
        let mut features = Vec::new();
        let mut channels = config.in_channels;
        for spec in config.arch.features() {
            match spec {
                FeatureSpec::Conv(c) => {
                    let c = config.channels(c);
                    let conv = Conv2dConfig::new([channels, c], [3, 3])
                        .with_padding(PaddingConfig2d::Same)
                        .init(device);
                    features.push(VggLayer::Conv2d(conv));
                    if config.batch_norm {
                        features.push(VggLayer::BatchNorm(BatchNormConfig::new(c).init(device)));
                    }
                    features.push(VggLayer::Relu(Relu::new()));
                    channels = c;
                }
                FeatureSpec::Pool => {
                    features.push(VggLayer::MaxPool2d(MaxPool2dConfig::new([2, 2]).init()))
                }
            }
        }
        let linear = |i, o| VggLayer::Linear(LinearConfig::new(i, o).init(device));
        let dropout = || VggLayer::Dropout(DropoutConfig::new(config.dropout).init());
        let relu = || VggLayer::Relu(Relu::new());
        let classifier = if config.hidden == 0 {
            vec![linear(flatten, config.num_classes)]
        } else {
            let h = config.hidden;
            vec![
                linear(flatten, h),
                relu(),
                dropout(),
                linear(h, h),
                relu(),
                dropout(),
                linear(h, config.num_classes),
            ]
        };
        let avgpool = match config.head {
            VggHead::ImageNet => Some(AdaptiveAvgPool2dConfig::new([7, 7]).init()),
            VggHead::Compact => None,
        };
        Self {
            features,
            avgpool,
            classifier,
            num_classes: config.num_classes,
            name: config.name(),
        }
    }

    /// The number of batch-norm running statistics (mean and variance), which
    /// [`num_params`](Module::num_params) counts but no optimizer trains.
    pub fn running_stats(&self) -> usize {
        self.features
            .iter()
            .map(|layer| match layer {
                VggLayer::BatchNorm(bn) => 2 * bn.gamma.lazy_shape().num_elements(),
                _ => 0,
            })
            .sum()
    }

    /// Logits `[N, num_classes]` for images `[N, C, H, W]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_tapped(images, &mut NoTap)
    }

    /// The feature extractor alone: `[N, 512, H/32, W/32]`.
    pub fn forward_features(&self, images: Tensor<4>) -> Tensor<4> {
        self.features_tapped(images, &mut NoTap)
    }

    fn features_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<4> {
        let mut x = images;
        let mut layers = self.features.iter().enumerate().peekable();
        while let Some((i, layer)) = layers.next() {
            // A convolution and the ReLU right after it run as one fused op when the tap does
            // not look at the convolution's own output.
            if let VggLayer::Conv2d(conv) = layer
                && !T::OBSERVES_LAYERS
                && matches!(layers.peek(), Some((_, VggLayer::Relu(_))))
            {
                x = zoo_kernels::conv2d_relu(conv, x);
                layers.next();
                continue;
            }
            x = layer.forward4(x);
            let name = format!("features.{i}");
            tap.layer(&name, layer.kind(), &x, layer);
            // Each pooling closes a block: 64, 128, 256, 512, 512 channels.
            if matches!(layer, VggLayer::MaxPool2d(_)) {
                tap.block(&name, &x);
            }
        }
        x
    }

    /// The forward pass, reporting every layer and block to `tap`.
    pub fn forward_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<2> {
        let mut x = self.features_tapped(images, tap); // [N, 512, H/32, W/32]
        if let Some(pool) = &self.avgpool {
            x = pool.forward(x); // [N, 512, 7, 7]
            tap.layer("avgpool", "AdaptiveAvgPool2d", &x, pool);
        }
        let mut x: Tensor<2> = x.flatten(1, 3); // [N, 25088] or [N, 512]
        tap.reshape("flatten", "Flatten", &x);
        for (i, layer) in self.classifier.iter().enumerate() {
            x = layer.forward2(x);
            tap.layer(&format!("classifier.{i}"), layer.kind(), &x, layer);
        }
        x // [N, num_classes]
    }
}

impl ImageClassifier for Vgg {
    fn forward_tapped<T: LayerTap>(&self, images: Tensor<4>, tap: &mut T) -> Tensor<2> {
        Vgg::forward_tapped(self, images, tap)
    }

    fn first_filters(&self) -> Tensor<4> {
        self.features
            .iter()
            .find_map(|layer| match layer {
                VggLayer::Conv2d(conv) => Some(conv.weight.val()),
                _ => None,
            })
            .expect("every VGG configuration starts with a convolution")
    }

    fn non_trainable_params(&self) -> usize {
        self.running_stats()
    }

    /// The output of every block (after its pooling); the classifier is not run.
    fn block_activations(&self, images: Tensor<4>) -> Vec<BlockActivation> {
        let mut tap = ActivationTap::default();
        self.features_tapped(images, &mut tap);
        tap.blocks
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
