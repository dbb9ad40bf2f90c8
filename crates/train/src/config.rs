//! The configuration of a training run: everything needed to rebuild the model and rerun it,
//! saved as `config.json` in the run's directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use zoo_datasets::{Augmentation, DatasetKind, Normalization};

use crate::error::{Result, TrainError};

/// The optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Keras' defaults: betas 0.9/0.999, epsilon 1e-7).
    Adam,
    /// Stochastic gradient descent with momentum 0.9.
    Sgd,
}

/// How several devices train one model (Burn's execution strategies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// One model on the first device, copied to the others every step; their gradients are
    /// summed and the optimizer steps on the first device (Burn's `OptimMainDevice`).
    #[default]
    Multi,
    /// As `multi`, with the optimizer's work sharded across the devices (`OptimSharded`).
    Sharded,
    /// Distributed data parallel: a thread per device, gradients all-reduced in the backward
    /// pass (CUDA only in Burn 0.22.1).
    Ddp,
}

/// The learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// Linear warm-up, then cosine decay to zero at the last step.
    Cosine,
}

/// A whole training run's configuration (`<run>/config.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig<C> {
    /// The model family (`lecture-cnn`, `vgg16`): a run of one family cannot be loaded by another.
    pub family: String,
    /// The model's configuration.
    pub model: C,
    /// The dataset.
    pub dataset: DatasetKind,
    /// The explicit data folder, if one was given.
    pub data_dir: Option<PathBuf>,
    /// The class names, by label.
    pub classes: Vec<String>,
    /// The images' stored shape `[c, h, w]` (what `predict` decodes files into).
    pub image_shape: [usize; 3],
    /// The model's input shape `[c, h, w]`.
    pub input_shape: [usize; 3],
    /// Per-channel normalisation.
    pub normalization: Normalization,
    /// Training augmentation, if any.
    pub augmentation: Option<Augmentation>,
    /// Use only the first N training images (a quick run, a CI smoke test).
    pub train_limit: Option<usize>,
    /// Fraction of the training images held out for validation (0: validate on the test split).
    pub validation_split: f64,
    /// Number of epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// The optimiser.
    pub optimizer: OptimizerKind,
    /// SGD momentum.
    pub momentum: f64,
    /// L2 weight decay (0: none).
    pub weight_decay: f64,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Warm-up epochs of the cosine schedule.
    pub warmup_epochs: usize,
    /// Seed of weights, shuffling, dropout and augmentation.
    pub seed: u64,
    /// Stop when the validation loss has not improved for this many epochs.
    pub patience: Option<usize>,
    /// Data-loading threads.
    pub workers: usize,
    /// Indices of the devices trained on (of the run's backend); one device unless
    /// `--devices` says more. Every device takes `batch_size / devices` images of each step.
    #[serde(default = "one_device")]
    pub devices: Vec<usize>,
    /// How several devices train together.
    #[serde(default)]
    pub strategy: Strategy,
    /// The weights training starts from (`train --weights`): a file in the source framework's
    /// layout (torchvision, timm, PyTorch, Keras converted), imported by the family, whose
    /// classifier layers that do not fit the dataset start fresh (see
    /// [`ModelFamily::import_weights`](crate::ModelFamily::import_weights)). `None`: fresh
    /// weights.
    #[serde(default)]
    pub weights: Option<PathBuf>,
    /// Train the classifier only: the convolutional features keep the weights they start with.
    #[serde(default)]
    pub freeze_features: bool,
}

fn one_device() -> Vec<usize> {
    vec![0]
}

impl<C: Serialize + serde::de::DeserializeOwned> TrainConfig<C> {
    /// Refuses values that would fail later, with one line each
    /// ([`TrainError::InvalidSetting`] naming the option).
    pub fn validate(&self) -> Result<()> {
        let refuse =
            |option: &'static str, message: String| Err(TrainError::setting(option, message));
        if self.epochs == 0 {
            return refuse("--epochs", "--epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return refuse("--batch-size", "--batch-size must be at least 1".into());
        }
        if self.freeze_features && self.weights.is_none() {
            return refuse(
                "--freeze-features",
                "--freeze-features needs --weights: frozen fresh features learn nothing".into(),
            );
        }
        let n = self.devices.len();
        if n == 0 {
            return refuse(
                "--devices",
                "--devices must name at least one device".into(),
            );
        }
        if !self.batch_size.is_multiple_of(n) {
            return refuse(
                "--batch-size",
                format!(
                    "--batch-size {} does not split evenly over {n} devices (the global batch is split, \
                     each device takes batch-size / devices images)",
                    self.batch_size
                ),
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return refuse(
                "--learning-rate",
                format!(
                    "--learning-rate must be in (0, 1], got {}",
                    self.learning_rate
                ),
            );
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return refuse(
                "--validation-split",
                format!(
                    "--validation-split must be in [0, 1), got {}",
                    self.validation_split
                ),
            );
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return refuse(
                "--weight-decay",
                format!("--weight-decay must be >= 0, got {}", self.weight_decay),
            );
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return refuse(
                "--momentum",
                format!("--momentum must be in [0, 1), got {}", self.momentum),
            );
        }
        if self.train_limit == Some(0) {
            return refuse("--train-limit", "--train-limit must be at least 1".into());
        }
        if self.classes.is_empty() {
            return refuse("classes", "the run has no class names".into());
        }
        for (what, shape) in [("image", self.image_shape), ("input", self.input_shape)] {
            let [c, h, w] = shape;
            if !matches!(c, 1 | 3) || !(1..=MAX_SIDE).contains(&h) || !(1..=MAX_SIDE).contains(&w) {
                return refuse(
                    "image_shape",
                    format!(
                        "{what} shape {shape:?}: expected 1 or 3 channels and sides of 1 to {MAX_SIDE} pixels"
                    ),
                );
            }
        }
        if let Some(aug) = &self.augmentation {
            let side = self.input_shape[1].min(self.input_shape[2]);
            if aug.crop_padding > side {
                return refuse(
                    "augmentation",
                    format!(
                        "augmentation crop padding {} exceeds the input's side ({side})",
                        aug.crop_padding
                    ),
                );
            }
        }
        if self.warmup_epochs >= self.epochs && self.schedule == Schedule::Cosine {
            return refuse(
                "--warmup-epochs",
                format!(
                    "--warmup-epochs ({}) must be below --epochs ({})",
                    self.warmup_epochs, self.epochs
                ),
            );
        }
        Ok(())
    }

    /// Writes `config.json` into `dir` (atomically).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(CONFIG_FILE);
        let json = serde_json::to_vec_pretty(self).map_err(|e| TrainError::RunConfig {
            path: path.clone(),
            problem: format!("cannot serialise the configuration: {e}"),
        })?;
        zoo_core::write_atomic(&path, &json)
            .map_err(|e| TrainError::io(format!("writing {}", path.display()), e))
    }

    /// Reads `<dir>/config.json`, refusing a run of another model family or values that
    /// [`validate`](Self::validate) refuses.
    pub fn load(dir: &Path, family: &str) -> Result<Self> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            TrainError::io(
                format!(
                    "{}: cannot read the run's configuration (is {} a run directory written by `train`?)",
                    path.display(),
                    dir.display()
                ),
                e,
            )
        })?;
        Self::parse(&path, &text, family)
    }

    /// Parses the text of a `config.json` (`path` names it in errors), as [`load`](Self::load)
    /// does.
    pub fn parse(path: &Path, text: &str, family: &str) -> Result<Self> {
        let problem = |problem: String| TrainError::RunConfig {
            path: path.to_path_buf(),
            problem,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| problem(format!("not valid JSON: {e}")))?;
        let found = value.get("family").and_then(|f| f.as_str()).unwrap_or("?");
        if found != family {
            return Err(problem(format!(
                "this run trained a {found} model, not {family}"
            )));
        }
        let config: Self = serde_json::from_value(value)
            .map_err(|e| problem(format!("not a {family} run configuration: {e}")))?;
        config
            .validate()
            .map_err(|e| problem(format!("invalid run configuration: {e}")))?;
        Ok(config)
    }
}

/// The largest image side a run may declare (ImageNet models take 224; this leaves room).
pub const MAX_SIDE: usize = 4096;

/// The configuration file of a run.
pub const CONFIG_FILE: &str = "config.json";

/// The default augmentation of a dataset: the CIFAR standard for CIFAR, none for the grey
/// 28x28 sets (the lecture trains without it).
pub fn default_augmentation(dataset: DatasetKind, seed: u64) -> Option<Augmentation> {
    match dataset {
        DatasetKind::Cifar10 | DatasetKind::Cifar100 | DatasetKind::Folder => {
            Some(Augmentation::cifar(seed))
        }
        DatasetKind::Mnist | DatasetKind::FashionMnist => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's config.json as `train` writes it (the model part is opaque here).
    fn written() -> serde_json::Value {
        let config = TrainConfig {
            family: "lecture-cnn".into(),
            model: serde_json::json!({"num_classes": 10}),
            dataset: DatasetKind::FashionMnist,
            data_dir: None,
            classes: (0..10).map(|i| format!("c{i}")).collect(),
            image_shape: [1, 28, 28],
            input_shape: [1, 32, 32],
            normalization: DatasetKind::FashionMnist.normalization(),
            augmentation: Some(Augmentation::cifar(1)),
            train_limit: None,
            validation_split: 0.0,
            epochs: 2,
            batch_size: 64,
            learning_rate: 1e-3,
            optimizer: OptimizerKind::Adam,
            momentum: 0.9,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
            warmup_epochs: 0,
            seed: 1,
            patience: None,
            workers: 1,
            devices: vec![0],
            strategy: Strategy::Multi,
            weights: None,
            freeze_features: false,
        };
        serde_json::to_value(&config).unwrap()
    }

    fn parse(value: &serde_json::Value) -> Result<TrainConfig<serde_json::Value>> {
        TrainConfig::parse(
            Path::new("run/config.json"),
            &value.to_string(),
            "lecture-cnn",
        )
    }

    #[test]
    fn a_written_config_reads_back() {
        let config = parse(&written()).unwrap();
        assert_eq!((config.epochs, config.batch_size), (2, 64));
        assert_eq!(
            (config.devices, config.strategy),
            (vec![0], Strategy::Multi)
        );
        // Written before runs had devices: one device.
        let mut old = written();
        old.as_object_mut().unwrap().remove("devices");
        old.as_object_mut().unwrap().remove("strategy");
        assert_eq!(parse(&old).unwrap().devices, vec![0]);
    }

    #[test]
    fn an_edited_config_with_impossible_values_is_refused_naming_the_file() {
        let cases: [(&str, serde_json::Value, &str); 9] = [
            ("batch_size", 0.into(), "--batch-size must be at least 1"),
            ("devices", serde_json::json!([]), "at least one device"),
            (
                "devices",
                serde_json::json!([0, 1, 2]),
                "--batch-size 64 does not split evenly over 3 devices",
            ),
            ("classes", serde_json::json!([]), "no class names"),
            (
                "image_shape",
                serde_json::json!([2, 28, 28]),
                "image shape [2, 28, 28]",
            ),
            (
                "input_shape",
                serde_json::json!([1, 0, 32]),
                "input shape [1, 0, 32]",
            ),
            (
                "augmentation",
                serde_json::json!({"crop_padding": 1u64 << 40, "horizontal_flip": true, "seed": 1}),
                "crop padding",
            ),
            (
                "family",
                "vgg16".into(),
                "trained a vgg16 model, not lecture-cnn",
            ),
            (
                "epochs",
                "many".into(),
                "not a lecture-cnn run configuration",
            ),
        ];
        for (field, value, needle) in cases {
            let mut config = written();
            config[field] = value;
            let err = format!("{:#}", parse(&config).unwrap_err());
            assert!(err.contains("run/config.json"), "{field}: {err}");
            assert!(err.contains(needle), "{field}: {err}");
        }
        let err = format!(
            "{:#}",
            TrainConfig::<serde_json::Value>::parse(Path::new("c.json"), "{", "x").unwrap_err()
        );
        assert!(err.contains("c.json: not valid JSON"), "{err}");
    }
}
