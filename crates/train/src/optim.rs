//! The optimiser and the learning-rate schedule of a run, from its configuration.

use burn::lr_scheduler::LrSchedulerConfig;
use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{ModuleOptimizer, SgdConfig};
use zoo_kernels::FusedAdamConfig;

use crate::config::{OptimizerKind, Schedule, TrainConfig};
use crate::error::{Result, TrainError};

pub(crate) fn optimizer<C>(config: &TrainConfig<C>) -> ModuleOptimizer {
    let decay =
        (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32));
    match config.optimizer {
        // Burn's Adam (fused into one pass per parameter on flex, same state record), with
        // Keras' epsilon, so the lecture's model trains as it does there.
        OptimizerKind::Adam => FusedAdamConfig::new()
            .with_epsilon(1e-7)
            .with_weight_decay(decay.as_ref().map(|d| d.penalty))
            .init(),
        OptimizerKind::Sgd => SgdConfig::new()
            .with_momentum(Some(
                MomentumConfig::new()
                    .with_momentum(config.momentum)
                    .with_dampening(0.0),
            ))
            .with_weight_decay(decay)
            .init(),
    }
}

pub(crate) fn scheduler<C>(
    config: &TrainConfig<C>,
    steps_per_epoch: usize,
) -> Result<ModuleLrScheduler> {
    let lr = config.learning_rate;
    let total = config.epochs * steps_per_epoch;
    let scheduler = match config.schedule {
        Schedule::Constant => Ok(ConstantLr::new(lr).into()),
        Schedule::Cosine if config.warmup_epochs == 0 => {
            CosineAnnealingLrSchedulerConfig::new(lr, total.max(1)).init()
        }
        Schedule::Cosine => {
            let warmup = config.warmup_epochs * steps_per_epoch;
            SequentialLrSchedulerConfig::new(
                vec![
                    LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(
                        lr / warmup as f64,
                        lr,
                        warmup,
                    )),
                    LrSchedulerConfig::Cosine(CosineAnnealingLrSchedulerConfig::new(
                        lr,
                        (total - warmup).max(1),
                    )),
                ],
                vec![warmup],
            )
            .init()
        }
    };
    scheduler.map_err(|e| TrainError::Schedule(e.to_string()))
}
