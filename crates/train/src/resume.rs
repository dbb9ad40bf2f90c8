//! Resuming a run: checking its last checkpoint before Burn loads it, and dropping the
//! metrics rows of the epochs that will be redone.

use std::path::Path;

use burn::tensor::Device;

use crate::checkpoint::checkpoint_path;
use crate::config::TrainConfig;
use crate::error::{Result, TrainError};
use crate::family::ModelFamily;
use crate::metrics_csv::{EpochRow, read_metrics, write_rows};
use crate::training_model::TrainingModel;

/// Keeps the rows of `metrics.csv` up to `epoch` (a resumed run redoes the later ones).
pub(crate) fn truncate_metrics(path: &Path, epoch: usize) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let kept: Vec<EpochRow> = read_metrics(path)?
        .into_iter()
        .filter(|row| row.epoch <= epoch)
        .collect();
    write_rows(path, &kept)?;
    Ok(())
}

/// Checks that the checkpoint of `epoch` loads into this model, so a corrupt or foreign
/// checkpoint is an error here rather than a panic inside Burn.
pub(crate) fn check_checkpoint<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    dir: &Path,
    epoch: usize,
    device: &Device,
) -> Result<()> {
    let path = checkpoint_path(dir, "model", epoch);
    let model = TrainingModel::new(F::init(&config.model, device)?, None);
    zoo_core::load_weights(model, &path).map_err(|e| TrainError::Checkpoint {
        path: path.clone(),
        problem: format!("cannot resume from the checkpoint of epoch {epoch}: {e}"),
    })?;
    for name in ["optim", "scheduler"] {
        let path = checkpoint_path(dir, name, epoch);
        let bytes = std::fs::read(&path)
            .map_err(|e| TrainError::io(format!("reading {}", path.display()), e))?;
        let bytes = burn::tensor::Bytes::from_bytes_vec(bytes);
        let ok = if name == "optim" {
            burn::optim::OptimizerRecord::from_bytes(bytes).is_ok()
        } else {
            burn::lr_scheduler::LrSchedulerRecord::from_bytes(bytes).is_ok()
        };
        if !ok {
            return Err(TrainError::Checkpoint {
                path,
                problem: "corrupt checkpoint".into(),
            });
        }
    }
    Ok(())
}
