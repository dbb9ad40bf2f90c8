//! How a training run ends: the error that names why it stopped early and what of it is kept,
//! or the final weights and the best epoch's.

use std::path::Path;

use burn::tensor::Device;
use burn::train::LearningResult;

use crate::checkpoint::{CHECKPOINT_DIR, checkpoint_path, last_complete_epoch};
use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::family::ModelFamily;
use crate::guard::NonFiniteGuard;
use crate::metrics_csv::{EpochRow, read_metrics};
use crate::train::{METRICS_CSV, MODEL_BEST, MODEL_FINAL};
use crate::training_model::TrainingModel;

/// What of a stopped run is on disk, for its error line.
fn kept(checkpoints: &Path) -> String {
    match last_complete_epoch(checkpoints) {
        Some(e) => format!(
            "the last good weights are in {} (epoch {e})",
            checkpoint_path(checkpoints, "model", e).display()
        ),
        None => "no epoch finished, so no weights were saved".into(),
    }
}

/// The error of a run in `dir` that stopped before its last epoch (a non-finite loss, an error
/// such as a checkpoint that cannot be written, Ctrl-C / SIGTERM); `Ok` when it finished.
pub(crate) fn stop_error<M>(
    result: &LearningResult<M>,
    guard: &NonFiniteGuard,
    dir: &Path,
) -> Result<()> {
    let checkpoints = dir.join(CHECKPOINT_DIR);
    if let Some(at) = guard.tripped() {
        return Err(TrainError::NonFiniteLoss {
            epoch: at.epoch,
            batch: at.batch,
            kept: kept(&checkpoints),
        });
    }
    if let Some(error) = &result.error {
        // Burn's metric logger recreates its log folders, so look for the run's own file.
        if !dir.join(crate::config::CONFIG_FILE).is_file() {
            return Err(TrainError::RunRemoved {
                dir: dir.to_path_buf(),
                reason: error.to_string(),
            });
        }
        return Err(TrainError::Stopped {
            reason: error.to_string(),
            kept: kept(&checkpoints),
        });
    }
    if let Some(interrupted) = &result.interrupted {
        return Err(TrainError::Interrupted {
            reason: interrupted
                .reason
                .clone()
                .unwrap_or_else(|| "stopped".into()),
            kept: kept(&checkpoints),
        });
    }
    Ok(())
}

/// Writes `model-final.bpk` (the `trained` model) and `model-best.bpk` (the checkpoint of the
/// epoch with the lowest validation loss, else the final weights) into `dir`; returns the
/// run's `metrics.csv` rows and the best epoch.
///
/// Burn's checkpointing keeps that epoch's checkpoint by the same rule: the first strictly
/// lowest finite value of the same metric.
pub(crate) fn save_final_and_best<F: ModelFamily>(
    trained: F::Model,
    config: &TrainConfig<F::Config>,
    dir: &Path,
    device: &Device,
) -> Result<(Vec<EpochRow>, Option<usize>)> {
    zoo_core::save_weights(trained, &dir.join(MODEL_FINAL))?;
    let csv = dir.join(METRICS_CSV);
    let rows = if csv.exists() {
        read_metrics(&csv)?
    } else {
        Vec::new()
    };
    let best = rows
        .iter()
        .filter(|r| r.valid_loss.is_finite())
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss))
        .map(|r| r.epoch);
    let checkpoints = dir.join(CHECKPOINT_DIR);
    let best_epoch = match best {
        Some(epoch) if checkpoint_path(&checkpoints, "model", epoch).is_file() => {
            let wrapper = TrainingModel::new(F::init(&config.model, device)?, None);
            let wrapper =
                zoo_core::load_weights(wrapper, &checkpoint_path(&checkpoints, "model", epoch))?;
            zoo_core::save_weights(wrapper.model, &dir.join(MODEL_BEST))?;
            Some(epoch)
        }
        _ => {
            std::fs::copy(dir.join(MODEL_FINAL), dir.join(MODEL_BEST)).map_err(|e| {
                TrainError::io(format!("writing {}", dir.join(MODEL_BEST).display()), e)
            })?;
            rows.last().map(|r| r.epoch)
        }
    };
    Ok((rows, best_epoch))
}
