//! The lecture CNN's weights from PyTorch and Keras, and back (feature `pretrained`).
//!
//! The keys are this crate's field names in PyTorch's layout: `conv1.weight` `[36, C, 3, 3]`,
//! `conv1.bias`, ..., `fc1.weight` `[576, 1296]` (`[out, in]`), `fc2.bias`: what
//! `torch.save(model.state_dict())` writes for the PyTorch twin in
//! `tools/pretrained_fixtures.py` (`LectureTorch`). Keras models (the lecture's own code) go
//! through `tools/keras_to_safetensors.py`, which transposes the channels-last kernels and
//! reorders `fc1`'s inputs from Keras' (h, w, c) flattening to (c, h, w).
//!
//! ```no_run
//! use burn::prelude::*;
//! use lecture_cnn::LectureCnnConfig;
//! use lecture_cnn::pretrained::load_pytorch;
//!
//! let device = Device::flex();
//! let model = LectureCnnConfig::new(10).with_in_channels(1).init(&device).unwrap();
//! let model = load_pytorch(model, std::path::Path::new("lecture_keras.safetensors")).unwrap();
//! ```

use std::path::Path;

use zoo_core::pretrained::{KeyLayout, PretrainedError};

use crate::model::LectureCnn;

/// Loads PyTorch-layout weights (`.pth` or safetensors) from `path` into `model`, strictly:
/// every key, every shape, nothing left over (see [`zoo_core::pretrained`]).
pub fn load_pytorch(model: LectureCnn, path: &Path) -> Result<LectureCnn, PretrainedError> {
    zoo_core::pretrained::import_weights(model, path, "lecture-cnn", &KeyLayout::default())
}

/// Loads PyTorch-layout weights to fine-tune from: like [`load_pytorch`], but dense layers of
/// another shape (another number of classes, another input size) keep `model`'s fresh
/// weights. Returns the model and the record paths of the tensors left fresh.
pub fn load_pytorch_features(
    model: LectureCnn,
    path: &Path,
) -> Result<(LectureCnn, Vec<String>), PretrainedError> {
    let layout = KeyLayout {
        fresh: vec!["fc1.".to_string(), "fc2.".to_string()],
        ..KeyLayout::default()
    };
    zoo_core::pretrained::import_weights_keeping(model, path, "lecture-cnn", &layout)
}

/// Writes `model`'s weights to `path` as safetensors in PyTorch's layout, atomically: the
/// PyTorch twin loads them with `load_state_dict(..., strict=True)`, and
/// `tools/keras_to_safetensors.py --to-keras` turns them into Keras weights.
pub fn save_pytorch(model: &LectureCnn, path: &Path) -> Result<(), PretrainedError> {
    zoo_core::pretrained::export_safetensors(model, path, &KeyLayout::default())
}
