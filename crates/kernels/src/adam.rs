//! Adam with a fused step: Burn's formulas and Burn's optimizer state record, one pass per
//! parameter on flex, Burn's own Adam on every other backend.

use burn::config::Config;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamState, LearningRate, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor};

/// The configuration of [`FusedAdam`]: the same fields and defaults as Burn's `AdamConfig`
/// (without AMSGrad).
///
/// ```
/// use zoo_kernels::FusedAdamConfig;
///
/// // Keras' epsilon, as the zoo trains the lecture's model.
/// let optimizer = FusedAdamConfig::new().with_epsilon(1e-7).init();
/// ```
#[derive(Config, Debug)]
pub struct FusedAdamConfig {
    /// Decay of the first moment.
    #[config(default = 0.9)]
    pub beta_1: f32,
    /// Decay of the second moment.
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Added to the denominator for stability.
    #[config(default = 1e-5)]
    pub epsilon: f32,
    /// L2 penalty added to the gradient (`grad + penalty * param`), as Burn's Adam does.
    pub weight_decay: Option<f32>,
}

impl FusedAdamConfig {
    /// The optimizer.
    pub fn build(&self) -> FusedAdam {
        FusedAdam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
            stock: AdamConfig::new()
                .with_beta_1(self.beta_1)
                .with_beta_2(self.beta_2)
                .with_epsilon(self.epsilon)
                .with_weight_decay(self.weight_decay.map(WeightDecayConfig::new))
                .build(),
        }
    }

    /// The optimizer for a whole module, as Burn's `AdamConfig::init`.
    pub fn init(&self) -> ModuleOptimizer {
        ModuleOptimizer::from(self.build())
    }
}

/// Adam whose state is Burn's `AdamState`, so optimizer checkpoints are interchangeable with
/// Burn's Adam.
#[derive(Clone)]
pub struct FusedAdam {
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    beta_1: f32,
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    beta_2: f32,
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    epsilon: f32,
    #[cfg_attr(not(feature = "flex"), allow(dead_code))]
    weight_decay: Option<f32>,
    stock: burn::optim::Adam,
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        #[cfg(feature = "flex")]
        if crate::enabled() && fused_applies(&tensor, &grad, state.as_ref()) {
            return self.fused(lr, tensor, grad, state);
        }
        self.stock.step(lr, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: AdamState<D>, device: &Device) -> AdamState<D> {
        <burn::optim::Adam as Optimizer>::to_device(state, device)
    }
}

#[cfg(feature = "flex")]
fn fused_applies<const D: usize>(
    tensor: &Tensor<D>,
    grad: &Tensor<D>,
    state: Option<&AdamState<D>>,
) -> bool {
    use crate::flex::{Route, route_of};
    let moments = match state {
        None => Route::Plain,
        Some(s) if s.momentum.max_moment_2.is_some() => Route::Stock,
        Some(s) => route_of(&[&s.momentum.moment_1, &s.momentum.moment_2]),
    };
    moments == Route::Plain && route_of(&[tensor, grad]) == Route::Plain
}

#[cfg(feature = "flex")]
impl FusedAdam {
    fn fused<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<AdamState<D>>,
    ) -> (Tensor<D>, Option<AdamState<D>>) {
        use crate::flex::adam::{AdamStep, step};
        use crate::flex::{from_plain, plain};
        use burn::optim::AdaptiveMomentumState;

        let (time, moments) = match state {
            Some(s) => (
                s.momentum.time + 1,
                Some((plain(s.momentum.moment_1), plain(s.momentum.moment_2))),
            ),
            None => (1, None),
        };
        let constants = AdamStep {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
            lr: lr as f32,
            time,
        };
        let (param, m, v) = step(plain(tensor), &plain(grad), moments, constants);
        let momentum = AdaptiveMomentumState::new(time, from_plain(m), from_plain(v));
        (from_plain(param), Some(AdamState::new(momentum)))
    }
}
