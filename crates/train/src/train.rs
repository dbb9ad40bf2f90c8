//! A training run with Burn's `SupervisedTraining` and `Learner`: the learner and its
//! checkpointers, the stops (non-finite loss, failed checkpoint, Ctrl-C), best and final weights.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::tensor::Device;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{AccuracyMetric, LearningRateMetric};
use burn::train::{
    ExecutionStrategy, Interrupter, Learner, MetricEarlyStoppingStrategy, MultiDeviceOptim,
    StoppingCondition, SupervisedTraining,
};

use crate::checkpoint::{AtomicCheckpointer, CHECKPOINT_DIR, checkpoint_path, last_complete_epoch};
use crate::config::{Strategy, TrainConfig};
use crate::data::{RunData, device_steps, eval_loader, shuffled_for_devices, train_loader};
use crate::epoch_rows::EpochRows;
use crate::error::{Result, TrainError};
use crate::family::ModelFamily;
use crate::guard::NonFiniteGuard;
use crate::loss_metric::PerImageLoss;
use crate::metrics_csv::read_metrics;
use crate::optim::{optimizer, scheduler};
use crate::progress::PlainRenderer;
use crate::resume::{check_checkpoint, truncate_metrics};
use crate::signals::StopOnSignal;
use crate::training_model::TrainingModel;

/// The final weights of a run.
pub const MODEL_FINAL: &str = "model-final.bpk";
/// The weights of the epoch with the lowest validation loss.
pub const MODEL_BEST: &str = "model-best.bpk";
/// Per-epoch metrics.
pub const METRICS_CSV: &str = "metrics.csv";

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// The run's directory.
    pub dir: PathBuf,
    /// Epochs finished (including those of an earlier, resumed run).
    pub epochs_done: usize,
    /// The epoch whose weights are `model-best.bpk`.
    pub best_epoch: Option<usize>,
    /// Validation accuracy of the last epoch.
    pub last_valid_accuracy: Option<f64>,
    /// Wall time of this invocation.
    pub seconds: f64,
}

/// The model training starts from: fresh weights, or `config.weights` imported by the family
/// (a new run only: a resumed one loads its checkpoint), with the features frozen when asked.
fn start_model<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    device: &Device,
    completed: usize,
) -> Result<F::Model> {
    let mut model = F::init(&config.model, device)?;
    if completed == 0
        && let Some(path) = &config.weights
    {
        model = F::import_weights(model, &config.model, path)?;
    }
    if config.freeze_features {
        model = F::freeze_features(model);
    }
    Ok(model)
}

/// Trains `config` on `devices` (the first is the main one: validation, checkpoints and the
/// optimizer under [`Strategy::Multi`]), writing everything into `dir`.
///
/// Several devices split every step's batch (`batch_size / devices` images each) under Burn's
/// execution strategy `config.strategy`; the loss is scaled so that the summed gradients are
/// those of the whole batch on one device.
///
/// With `resume`, continues from the last epoch whose checkpoint is complete. Returns an
/// error (after the last good weights are on disk) when the loss stops being finite, when a
/// checkpoint cannot be written (disk full, run directory gone), or on Ctrl-C / SIGTERM (see
/// [`StopOnSignal`]): the run then keeps its last complete checkpoint and no final weights.
pub fn train<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    data: RunData,
    dir: &Path,
    devices: &[Device],
    resume: bool,
) -> Result<TrainReport> {
    let started = Instant::now();
    config.validate()?;
    let Some(device) = devices.first() else {
        return Err(TrainError::Devices("no device to train on".into()));
    };
    if devices.len() != config.devices.len() {
        return Err(TrainError::Devices(format!(
            "the run names {} devices, {} were given",
            config.devices.len(),
            devices.len()
        )));
    }
    let n = devices.len();
    let checkpoints = dir.join(CHECKPOINT_DIR);
    let completed = if resume {
        last_complete_epoch(&checkpoints).unwrap_or(0)
    } else {
        0
    };
    if completed > 0 {
        check_checkpoint::<F>(config, &checkpoints, completed, device)?;
    }
    if completed >= config.epochs {
        println!(
            "{}: all {} epochs are already done; nothing to resume",
            dir.display(),
            config.epochs
        );
    }
    device.seed(config.seed + completed as u64);
    zoo_kernels::seed(config.seed + completed as u64);
    let autodiff = device.clone().autodiff();
    // Built (and any --weights imported) before anything is written: weights that do not fit
    // leave the run as it was.
    let start = start_model::<F>(config, &autodiff, completed)?;
    config.save(dir)?;
    let metrics_csv = dir.join(METRICS_CSV);
    truncate_metrics(&metrics_csv, completed)?;
    let device_batch = config.batch_size / n;
    let train_set = if n > 1 {
        shuffled_for_devices(&data.train, config.seed)
    } else {
        data.train.clone()
    };
    let (train_batches, optimizer_steps) = device_steps(train_set.size(), n, device_batch);
    let interrupter = Interrupter::new();
    let guard = Arc::new(NonFiniteGuard::new(
        train_batches,
        completed,
        interrupter.clone(),
    ));
    let model =
        TrainingModel::new(start, Some(guard.clone())).with_gradient_scale(match config.strategy {
            // Burn's multi-device step sums the devices' gradients; ddp all-reduces a mean.
            Strategy::Multi | Strategy::Sharded => 1.0 / n as f32,
            Strategy::Ddp => 1.0,
        });

    let terminal = std::io::stdout().is_terminal();
    let checkpointer = |name: &str| {
        AtomicCheckpointer::new(&checkpoints, name)
            .map_err(|e| TrainError::io(format!("creating {}", checkpoints.display()), e))
    };
    let mut training = SupervisedTraining::new(
        dir,
        train_loader(config, train_set, device_batch, &autodiff),
        eval_loader(config, data.valid.clone(), config.batch_size, device),
    )
    // The one source of every number of the run: metrics.csv, the progress lines, the best
    // epoch, Burn's checkpoint keeping and early stopping all read these metrics' events.
    .metrics((AccuracyMetric::new(), PerImageLoss::new()))
    .metric_train_numeric(LearningRateMetric::new())
    .with_custom_checkpointers(
        checkpointer("model")?,
        checkpointer("optim")?,
        checkpointer("scheduler")?,
    )
    .with_metric_logger(FileMetricLogger::new(dir))
    .with_metric_logger(EpochRows::new(
        metrics_csv.clone(),
        config.epochs,
        completed,
        !terminal,
        interrupter.clone(),
    ))
    .with_interrupter(interrupter.clone())
    .num_epochs(config.epochs)
    .summary();
    if n > 1 {
        let autodiff: Vec<Device> = devices.iter().map(|d| d.clone().autodiff()).collect();
        training =
            training.with_training_strategy(execution_strategy(config.strategy, autodiff)?.into());
    }
    if let Some(patience) = config.patience {
        training = training.early_stopping(MetricEarlyStoppingStrategy::new(
            &PerImageLoss::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
            StoppingCondition::NoImprovementSince { n_epochs: patience },
        ));
    }
    if !terminal {
        training = training.renderer(Box::new(PlainRenderer::new(
            config.epochs,
            Duration::from_secs(15),
        )));
    }
    if completed > 0 {
        println!("resuming {} after epoch {completed}", dir.display());
        training = training.checkpoint(completed);
    }

    let learner = Learner::new(
        model,
        optimizer(config),
        scheduler(config, optimizer_steps)?,
    );
    let signals = StopOnSignal::install(interrupter.clone())
        .map_err(|e| TrainError::io("cannot watch for Ctrl-C and SIGTERM", e))?;
    let result = training.launch(learner);
    drop(signals);

    let kept = || match last_complete_epoch(&checkpoints) {
        Some(e) => format!(
            "the last good weights are in {} (epoch {e})",
            checkpoint_path(&checkpoints, "model", e).display()
        ),
        None => "no epoch finished, so no weights were saved".into(),
    };
    if let Some(at) = guard.tripped() {
        return Err(TrainError::NonFiniteLoss {
            epoch: at.epoch,
            batch: at.batch,
            kept: kept(),
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
            kept: kept(),
        });
    }
    if let Some(interrupted) = &result.interrupted {
        return Err(TrainError::Interrupted {
            reason: interrupted
                .reason
                .clone()
                .unwrap_or_else(|| "stopped".into()),
            kept: kept(),
        });
    }

    let trained = result.model.model;
    zoo_core::save_weights(trained, &dir.join(MODEL_FINAL))?;
    let rows = if metrics_csv.exists() {
        read_metrics(&metrics_csv)?
    } else {
        Vec::new()
    };
    // Burn's checkpointing keeps the epoch of lowest validation loss by the same rule (the
    // first strictly lowest finite value of the same metric).
    let best = rows
        .iter()
        .filter(|r| r.valid_loss.is_finite())
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss))
        .map(|r| r.epoch);
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
    Ok(TrainReport {
        dir: dir.to_path_buf(),
        epochs_done: rows.last().map(|r| r.epoch).unwrap_or(completed),
        best_epoch,
        last_valid_accuracy: rows.last().map(|r| r.valid_accuracy),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Refuses a strategy this build cannot run on `devices` devices: ddp needs the `cuda`
/// feature (Burn 0.22.1 all-reduces on NCCL only).
pub fn check_strategy(strategy: Strategy, devices: usize) -> Result<()> {
    if strategy == Strategy::Ddp && devices > 1 && !cfg!(feature = "cuda") {
        return Err(TrainError::Devices(
            "--strategy ddp needs CUDA (Burn 0.22.1 all-reduces on NCCL only): build with --features cuda and pass --backend cuda, or use --strategy multi".into(),
        ));
    }
    Ok(())
}

/// Burn's execution strategy for several devices.
fn execution_strategy(strategy: Strategy, devices: Vec<Device>) -> Result<ExecutionStrategy> {
    check_strategy(strategy, devices.len())?;
    match strategy {
        Strategy::Multi => Ok(ExecutionStrategy::multi(
            devices,
            MultiDeviceOptim::OptimMainDevice,
        )),
        Strategy::Sharded => Ok(ExecutionStrategy::multi(
            devices,
            MultiDeviceOptim::OptimSharded,
        )),
        #[cfg(feature = "cuda")]
        Strategy::Ddp => Ok(ExecutionStrategy::ddp(
            devices,
            burn::tensor::distributed::DistributedConfig {
                all_reduce_op: burn::tensor::distributed::ReduceOperation::Mean,
            },
        )),
        #[cfg(not(feature = "cuda"))]
        Strategy::Ddp => unreachable!("refused by check_strategy"),
    }
}

/// Loads the weights `file` of a run (`model-best.bpk`, `model-final.bpk`) into its model.
pub fn load_run_model<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    dir: &Path,
    file: &str,
    device: &Device,
) -> Result<F::Model> {
    let path = dir.join(file);
    let model = F::init(&config.model, device)?;
    if zoo_core::ImageClassifier::num_classes(&model) != config.classes.len() {
        return Err(TrainError::RunConfig {
            path: dir.join(crate::config::CONFIG_FILE),
            problem: format!(
                "the run names {} classes, its model predicts {}",
                config.classes.len(),
                zoo_core::ImageClassifier::num_classes(&model)
            ),
        });
    }
    let model = zoo_core::load_weights(model, &path)?;
    Ok(model.valid())
}
