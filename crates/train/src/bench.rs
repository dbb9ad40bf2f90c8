//! `bench`: inference and training-step speed of a model on each compiled backend, measured as
//! the anchors in `shared/anchors` measure PyTorch and Keras (warm-up, device sync before
//! reading the clock, median and spread of several repetitions).

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Int, Tensor};
use serde::Serialize;
use zoo_core::ImageClassifier;
use zoo_kernels::FusedAdamConfig;

use crate::backend::Backend;
use crate::error::{Result, TrainError};
use crate::family::ModelFamily;
use crate::outputs::cross_entropy;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// Input `[c, h, w]`.
    pub input: [usize; 3],
    /// Training batch (the lecture's 64).
    pub train_batch: usize,
    /// Large inference batch.
    pub infer_batch: usize,
    /// Timed repetitions (after warm-up).
    pub reps: usize,
    /// Untimed warm-up calls (autotuning, kernel compilation, allocator growth).
    pub warmup: usize,
}

/// Median, minimum and maximum of a set of timings, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Timing {
    /// Median.
    pub median_ms: f64,
    /// Fastest.
    pub min_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Timing {
    /// From per-call durations in milliseconds.
    pub fn from_ms(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2.0
        };
        Self {
            median_ms: median,
            min_ms: samples.first().copied().unwrap_or(f64::NAN),
            max_ms: samples.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// Images per second at the median, for `batch` images per call.
    pub fn images_per_second(&self, batch: usize) -> f64 {
        batch as f64 / (self.median_ms / 1000.0)
    }
}

/// The results of one backend.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// The backend's name; `flex-stock` for flex with the zoo's kernels off (Burn's own ops).
    pub backend: String,
    /// Whether the zoo's fast CPU kernels ran (`zoo_kernels`; they apply to flex only).
    pub kernels: bool,
    /// The device, as Burn prints it.
    pub device: String,
    /// The model.
    pub model: String,
    /// Input `[c, h, w]`.
    pub input: [usize; 3],
    /// One training step (forward, backward, Adam) at `train_batch`.
    pub train_step: Timing,
    /// Training images per second (median).
    pub train_images_per_second: f64,
    /// Inference of `infer_batch` images.
    pub infer_batch: Timing,
    /// Inference images per second (median).
    pub infer_images_per_second: f64,
    /// Inference of one image.
    pub latency: Timing,
    /// Bytes the allocator held after training, where the backend reports it.
    pub memory_reserved_bytes: Option<u64>,
    /// The plan.
    pub train_batch_size: usize,
    /// The plan.
    pub infer_batch_size: usize,
}

fn time_calls(reps: usize, warmup: usize, device: &Device, mut call: impl FnMut()) -> Timing {
    for _ in 0..warmup {
        call();
    }
    let _ = device.sync();
    let samples = (0..reps)
        .map(|_| {
            let start = Instant::now();
            call();
            let _ = device.sync();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    Timing::from_ms(samples)
}

fn images(batch: usize, [c, h, w]: [usize; 3], device: &Device) -> Tensor<4> {
    Tensor::random([batch, c, h, w], Distribution::Normal(0.0, 1.0), device)
}

/// Measures `config`'s model on `backend`, with the zoo's fast CPU kernels on or off
/// (`kernels`; other backends than flex always run Burn's ops).
pub fn bench_backend<F: ModelFamily>(
    config: &F::Config,
    backend: Backend,
    plan: &BenchPlan,
    kernels: bool,
) -> Result<BenchResult> {
    zoo_kernels::with_kernels(kernels, || measure::<F>(config, backend, plan, kernels))
}

fn measure<F: ModelFamily>(
    config: &F::Config,
    backend: Backend,
    plan: &BenchPlan,
    kernels: bool,
) -> Result<BenchResult> {
    let device = backend.device();
    crate::backend::probe(backend, &device).map_err(TrainError::Backend)?;
    device.seed(0);
    zoo_kernels::seed(0);
    let num_classes = F::init(config, &device)?.num_classes();

    // Training: forward, loss, backward, Adam step; each timed step ends with a device sync
    // (time_calls), as the anchors sync PyTorch and Keras; the loss is not read back.
    let autodiff = device.clone().autodiff();
    let mut model = Some(F::init(config, &autodiff)?);
    let mut optim = FusedAdamConfig::new().init();
    let x = images(plan.train_batch, plan.input, &autodiff);
    let y = Tensor::<1, Int>::random(
        [plan.train_batch],
        Distribution::Uniform(0.0, num_classes as f64),
        &autodiff,
    );
    let train_step = time_calls(plan.reps, plan.warmup, &device, || {
        let m = model.take().expect("model");
        let loss = cross_entropy(m.forward(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &m);
        model = Some(optim.step(1e-3, m, grads));
    });
    let memory_reserved_bytes = device.memory_pool_usage().map(|u| u.bytes_reserved);
    drop(model);

    // Inference in validation mode on the plain device.
    let model = F::init(config, &device)?.valid();
    let big = images(plan.infer_batch, plan.input, &device);
    let one = images(1, plan.input, &device);
    let infer_batch = time_calls(plan.reps, plan.warmup, &device, || {
        let _ = model.forward(big.clone());
    });
    let latency = time_calls(plan.reps.max(20), plan.warmup, &device, || {
        let _ = model.forward(one.clone());
    });
    let label = if backend == Backend::Flex && !kernels {
        "flex-stock".to_string()
    } else {
        backend.name().to_string()
    };
    Ok(BenchResult {
        backend: label,
        kernels: kernels && backend == Backend::Flex,
        device: format!("{device:?}"),
        model: model.name(),
        input: plan.input,
        train_images_per_second: train_step.images_per_second(plan.train_batch),
        train_step,
        infer_images_per_second: infer_batch.images_per_second(plan.infer_batch),
        infer_batch,
        latency,
        memory_reserved_bytes,
        train_batch_size: plan.train_batch,
        infer_batch_size: plan.infer_batch,
    })
}

/// The results as a table, the device (as Burn prints it) last.
pub fn format_table(results: &[BenchResult]) -> String {
    let mut out = String::new();
    let header = format!(
        "{:<10} {:>20} {:>22} {:>20} {:>11}  {}",
        "backend", "train img/s", "inference img/s", "latency ms", "memory MiB", "device"
    );
    out.push_str(&header);
    out.push('\n');
    out.push_str(&"-".repeat(header.len()));
    out.push('\n');
    for r in results {
        let range = |t: &Timing, batch: usize| {
            format!(
                "{} ({}-{})",
                rate(t.images_per_second(batch)),
                rate(batch as f64 / (t.max_ms / 1000.0)),
                rate(batch as f64 / (t.min_ms / 1000.0))
            )
        };
        let device = r.device.strip_prefix("Device<").unwrap_or(&r.device);
        out.push_str(&format!(
            "{:<10} {:>20} {:>22} {:>20} {:>11}  {}\n",
            r.backend,
            range(&r.train_step, r.train_batch_size),
            range(&r.infer_batch, r.infer_batch_size),
            format!(
                "{:.2} ({:.2}-{:.2})",
                r.latency.median_ms, r.latency.min_ms, r.latency.max_ms
            ),
            r.memory_reserved_bytes
                .map(|b| format!("{:.0}", b as f64 / 1048576.0))
                .unwrap_or_else(|| "-".into()),
            device.strip_suffix('>').unwrap_or(device),
        ));
    }
    out
}

/// Images per second with one decimal below 10 (VGG-16 at 224x224 trains at ~1 image/s).
fn rate(images_per_second: f64) -> String {
    if images_per_second < 10.0 {
        format!("{images_per_second:.1}")
    } else {
        format!("{images_per_second:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        let t = Timing::from_ms(vec![5.0, 1.0, 3.0]);
        assert_eq!((t.median_ms, t.min_ms, t.max_ms), (3.0, 1.0, 5.0));
        let t = Timing::from_ms(vec![4.0, 2.0]);
        assert_eq!(t.median_ms, 3.0);
        assert_eq!(Timing::from_ms(vec![10.0]).images_per_second(64), 6400.0);
    }

    #[test]
    fn slow_rates_keep_a_decimal() {
        assert_eq!(
            (rate(0.74), rate(9.96), rate(495.4)),
            ("0.7".into(), "10.0".into(), "495".into())
        );
    }
}
