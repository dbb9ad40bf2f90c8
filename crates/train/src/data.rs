//! The datasets and data loaders of a run.

use std::sync::Arc;

use anyhow::Context;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::tensor::Device;
use zoo_datasets::{
    AugmentedDataset, DatasetKind, ImageBatch, ImageBatcher, ImageSet, LoadOptions, Location,
};

use crate::config::TrainConfig;

/// The splits of a run.
#[derive(Debug, Clone)]
pub struct RunData {
    /// What training iterates over.
    pub train: ImageSet,
    /// What each epoch is validated on (held-out training images, or the test split).
    pub valid: ImageSet,
    /// The official test split.
    pub test: ImageSet,
    /// Where the data came from.
    pub location: Location,
}

/// Finds and loads a dataset (see `zoo_datasets::load` for the search order).
pub fn load_dataset(
    dataset: DatasetKind,
    data_dir: Option<&std::path::Path>,
    folder_shape: Option<[usize; 3]>,
) -> anyhow::Result<zoo_datasets::LoadedDataset> {
    let options = LoadOptions {
        data_dir: data_dir.map(Into::into),
        download: true,
        folder_shape,
    };
    Ok(zoo_datasets::load(dataset, &options)?)
}

/// Splits the loaded data as the configuration says (subset, validation hold-out).
pub fn split_for_run<C>(
    loaded: zoo_datasets::LoadedDataset,
    config: &TrainConfig<C>,
) -> anyhow::Result<RunData> {
    let mut train = loaded.train;
    if let Some(n) = config.train_limit {
        train = train.take(n);
    }
    let (train, valid) = if config.validation_split > 0.0 {
        train
            .split_validation(config.validation_split, config.seed)
            .context("splitting off the validation set")?
    } else {
        (train, loaded.test.clone())
    };
    Ok(RunData {
        train,
        valid,
        test: loaded.test,
        location: loaded.location,
    })
}

/// The batcher of a run: pad/resize to the model's input, normalise.
pub fn batcher<C>(config: &TrainConfig<C>) -> ImageBatcher {
    ImageBatcher::new(config.input_shape, config.normalization.clone())
}

/// Number of batches of `items` at `batch_size` (the last one may be smaller).
pub fn batches(items: usize, batch_size: usize) -> usize {
    items.div_ceil(batch_size.max(1))
}

/// The training loader: shuffled with the run's seed, augmented if configured.
pub fn train_loader<C>(
    config: &TrainConfig<C>,
    set: ImageSet,
    device: &Device,
) -> Arc<dyn DataLoader<ImageBatch>> {
    let builder = DataLoaderBuilder::new(batcher(config))
        .batch_size(config.batch_size)
        .shuffle(config.seed)
        .num_workers(config.workers)
        .set_device(device.clone());
    match config.augmentation {
        Some(aug) => builder.build(AugmentedDataset::new(set, aug)),
        None => builder.build(set),
    }
}

/// An evaluation loader: in order, not augmented.
pub fn eval_loader<C>(
    config: &TrainConfig<C>,
    set: ImageSet,
    device: &Device,
) -> Arc<dyn DataLoader<ImageBatch>> {
    DataLoaderBuilder::new(batcher(config))
        .batch_size(config.batch_size)
        .num_workers(config.workers)
        .set_device(device.clone())
        .build(set)
}
