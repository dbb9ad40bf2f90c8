//! What every model of the CNN zoo shares, and nothing heavy: this crate depends on `burn` with
//! `std` only, so a model crate that uses it stays importable by any Burn project.
//!
//! - [`ImageClassifier`]: the trait each zoo model implements (logits, block activations,
//!   layer-by-layer summary); the training crate is generic over it.
//! - [`LayerTap`]: the observer a model's single forward path reports each layer to, so that
//!   `forward`, the activations of every block and the summary run the very same code.
//! - [`ModelSummary`]: what Keras' `model.summary()` prints, computed from the real modules.
//! - [`ConfigError`]: why a model configuration cannot be built.
//! - [`save_weights`] / [`load_weights`]: burnpack files written atomically and read whole.
//! - `pretrained` (feature `pretrained`): PyTorch and safetensors weights in, safetensors out,
//!   with PyTorch's strict key checking.

mod classifier;
mod error;
#[cfg(feature = "pretrained")]
pub mod pretrained;
mod record_paths;
mod summary;
mod tap;
mod weights;

pub use classifier::{ImageClassifier, ModelConfig};
pub use error::ConfigError;
pub use record_paths::{param_paths, param_values};
pub use summary::{LayerInfo, ModelSummary};
pub use tap::{
    ActivationTap, BlockActivation, FeatureMapTap, LayerActivation, LayerTap, NoTap, SummaryTap,
};
pub use weights::{
    WeightsError, fit_record, load_record, load_weights, parse_record, record_message,
    save_weights, write_atomic,
};
