//! The datasets and data loaders of a run.

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::tensor::Device;
use zoo_datasets::{
    AugmentedDataset, DatasetKind, ImageBatch, ImageBatcher, ImageSet, LoadOptions, Location,
};

use crate::config::TrainConfig;
use crate::error::Result;

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
) -> Result<zoo_datasets::LoadedDataset> {
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
) -> Result<RunData> {
    let mut train = loaded.train;
    if let Some(n) = config.train_limit {
        train = train.take(n);
    }
    let (train, valid) = if config.validation_split > 0.0 {
        train.split_validation(config.validation_split, config.seed)?
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

/// The training loader: shuffled with the run's seed, augmented if configured, in batches of
/// `batch_size` (the global batch, or one device's share of it).
pub fn train_loader<C>(
    config: &TrainConfig<C>,
    set: ImageSet,
    batch_size: usize,
    device: &Device,
) -> Arc<dyn DataLoader<ImageBatch>> {
    let builder = DataLoaderBuilder::new(batcher(config))
        .batch_size(batch_size)
        .shuffle(config.seed)
        .num_workers(config.workers)
        .set_device(device.clone());
    match config.augmentation {
        Some(aug) => builder.build(AugmentedDataset::new(set, aug)),
        None => builder.build(set),
    }
}

/// An evaluation loader: in order, not augmented, in batches of `batch_size`.
pub fn eval_loader<C>(
    config: &TrainConfig<C>,
    set: ImageSet,
    batch_size: usize,
    device: &Device,
) -> Arc<dyn DataLoader<ImageBatch>> {
    DataLoaderBuilder::new(batcher(config))
        .batch_size(batch_size)
        .num_workers(config.workers)
        .set_device(device.clone())
        .build(set)
}

/// How Burn's multi-device training walks an epoch of `items` over `devices` devices taking
/// `batch` images each per step: every device gets a contiguous slice (`items / devices`, the
/// last one the rest), so there are `model_steps` forward/backward passes in all and
/// `optimizer_steps` updates (one per step of the slowest device).
pub fn device_steps(items: usize, devices: usize, batch: usize) -> (usize, usize) {
    let devices = devices.max(1);
    let share = items / devices;
    let slices = (0..devices).map(|i| {
        if i + 1 == devices {
            items - share * (devices - 1)
        } else {
            share
        }
    });
    slices.fold((0, 0), |(steps, longest), slice| {
        let n = batches(slice, batch);
        (steps + n, longest.max(n))
    })
}

/// The training set in one seeded random order: Burn gives each device a fixed contiguous slice
/// and shuffles only inside it, so a set stored class by class (an image folder) would give
/// each device a few classes only.
pub fn shuffled_for_devices(set: &ImageSet, seed: u64) -> ImageSet {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    let mut order: Vec<usize> = (0..set.size()).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed ^ 0x5eed_d15c));
    set.select(set.name().to_string(), &order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_steps_follow_burns_slices() {
        assert_eq!(device_steps(100, 1, 10), (10, 10));
        // 50 + 50 images at 16 per step: 4 passes each.
        assert_eq!(device_steps(100, 2, 16), (8, 4));
        // 33 + 33 + 34 at 8: 5 + 5 + 5.
        assert_eq!(device_steps(100, 3, 8), (15, 5));
        // 3 + 4 at 2: 2 + 2.
        assert_eq!(device_steps(7, 2, 2), (4, 2));
    }
}
