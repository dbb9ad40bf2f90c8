use burn::module::Module;
use burn::tensor::Tensor;

use crate::summary::LayerInfo;

/// An observer of a model's forward pass.
///
/// Every zoo model has one forward path, generic over a tap, that reports each layer's output
/// and each block's activation to it. [`NoTap`] compiles to nothing (plain `forward`),
/// [`SummaryTap`] collects the layer table, [`ActivationTap`] keeps the feature maps.
pub trait LayerTap {
    /// Whether this tap looks at every layer's output. A tap that does not (`NoTap`,
    /// `ActivationTap`) lets a model fuse a convolution with the activation that follows it.
    const OBSERVES_LAYERS: bool = true;

    /// Called after each layer with its name (`conv1`, `features.0`), its kind (`Conv2d`), its
    /// output and the layer itself (for its parameter count).
    fn layer<const D: usize, M: Module>(
        &mut self,
        _name: &str,
        _kind: &str,
        _output: &Tensor<D>,
        _layer: &M,
    ) {
    }

    /// Called after a layer without parameters that is no module (flatten, reshape).
    fn reshape<const D: usize>(&mut self, _name: &str, _kind: &str, _output: &Tensor<D>) {}

    /// Called at the end of each block (conv + activation + pooling) with its output feature map
    /// `[batch, channels, height, width]`.
    fn block(&mut self, _name: &str, _output: &Tensor<4>) {}
}

/// The tap that records nothing: a model's `forward`.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTap;

impl LayerTap for NoTap {
    const OBSERVES_LAYERS: bool = false;
}

/// Collects a [`LayerInfo`] for every layer: the rows of a [`ModelSummary`](crate::ModelSummary).
#[derive(Debug, Default, Clone)]
pub struct SummaryTap {
    /// The layers seen so far, in forward order.
    pub layers: Vec<LayerInfo>,
}

impl SummaryTap {
    fn push<const D: usize>(&mut self, name: &str, kind: &str, output: &Tensor<D>, params: usize) {
        let mut shape = output.dims().to_vec();
        // The batch dimension is printed as `-`, as Keras prints `None`.
        if let Some(first) = shape.first_mut() {
            *first = 0;
        }
        self.layers.push(LayerInfo {
            name: name.to_string(),
            kind: kind.to_string(),
            output_shape: shape,
            params,
        });
    }
}

impl LayerTap for SummaryTap {
    fn layer<const D: usize, M: Module>(
        &mut self,
        name: &str,
        kind: &str,
        output: &Tensor<D>,
        layer: &M,
    ) {
        self.push(name, kind, output, layer.num_params());
    }

    fn reshape<const D: usize>(&mut self, name: &str, kind: &str, output: &Tensor<D>) {
        self.push(name, kind, output, 0);
    }
}

/// The output of one block of a CNN, for pictures of feature maps.
#[derive(Debug, Clone)]
pub struct BlockActivation {
    /// The block's name, for example `block1` or `features.4`.
    pub name: String,
    /// Its output, `[batch, channels, height, width]`.
    pub output: Tensor<4>,
}

/// Keeps the output of every block.
#[derive(Debug, Default, Clone)]
pub struct ActivationTap {
    /// The blocks seen so far, shallowest first.
    pub blocks: Vec<BlockActivation>,
}

impl LayerTap for ActivationTap {
    const OBSERVES_LAYERS: bool = false;

    fn block(&mut self, name: &str, output: &Tensor<4>) {
        self.blocks.push(BlockActivation {
            name: name.to_string(),
            output: output.clone(),
        });
    }
}

/// One layer's output, for pictures of feature maps.
#[derive(Debug, Clone)]
pub struct LayerActivation {
    /// The layer's name (`conv1`, `pool1`, `features.1`).
    pub name: String,
    /// Its kind (`Conv2d+ReLU`, `ReLU`, `MaxPool2d`).
    pub kind: String,
    /// Its output, `[batch, channels, height, width]`.
    pub output: Tensor<4>,
}

/// Keeps what the lecture calls feature maps: the output of every convolution after its
/// activation, and of every pooling (layers whose kind ends in `ReLU` or names a max pool).
/// Pre-activation outputs (a convolution or batch norm followed by its own ReLU layer) and
/// non-spatial layers are left out.
#[derive(Debug, Default, Clone)]
pub struct FeatureMapTap {
    /// The layers seen so far, shallowest first.
    pub layers: Vec<LayerActivation>,
}

impl FeatureMapTap {
    /// Whether a layer of `kind` produces a feature map worth a picture.
    pub fn keeps(kind: &str) -> bool {
        kind.ends_with("ReLU") || kind.starts_with("MaxPool")
    }
}

impl LayerTap for FeatureMapTap {
    fn layer<const D: usize, M: Module>(
        &mut self,
        name: &str,
        kind: &str,
        output: &Tensor<D>,
        _layer: &M,
    ) {
        if D != 4 || !Self::keeps(kind) {
            return;
        }
        let dims = output.dims();
        self.layers.push(LayerActivation {
            name: name.to_string(),
            kind: kind.to_string(),
            output: output.clone().reshape([dims[0], dims[1], dims[2], dims[3]]),
        });
    }
}

/// Two taps observing one forward pass, for example feature maps and block outputs at once.
///
/// ```
/// use zoo_core::{ActivationTap, FeatureMapTap};
///
/// let mut both = (FeatureMapTap::default(), ActivationTap::default());
/// // model.forward_tapped(images, &mut both);
/// let (maps, blocks) = both;
/// assert!(maps.layers.is_empty() && blocks.blocks.is_empty());
/// ```
impl<A: LayerTap, B: LayerTap> LayerTap for (A, B) {
    const OBSERVES_LAYERS: bool = A::OBSERVES_LAYERS || B::OBSERVES_LAYERS;

    fn layer<const D: usize, M: Module>(
        &mut self,
        name: &str,
        kind: &str,
        output: &Tensor<D>,
        layer: &M,
    ) {
        self.0.layer(name, kind, output, layer);
        self.1.layer(name, kind, output, layer);
    }

    fn reshape<const D: usize>(&mut self, name: &str, kind: &str, output: &Tensor<D>) {
        self.0.reshape(name, kind, output);
        self.1.reshape(name, kind, output);
    }

    fn block(&mut self, name: &str, output: &Tensor<4>) {
        self.0.block(name, output);
        self.1.block(name, output);
    }
}
