//! The training-step comparison shared by the backend and kernel parity tests: run one model's
//! forward pass, or a whole training step (the learner's `TrainStep`, then SGD), on real images,
//! and compare the logits, the loss, every parameter's update and the logits after the step.

#![allow(dead_code)] // each test file uses a part

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::module::Module;
use burn::optim::SgdConfig;
use burn::tensor::{Device, Tensor};
use burn::train::{TrainOutput, TrainStep};
use lecture_cnn::LectureCnnConfig;
use vgg16::{VggArch, VggConfig};
use zoo_core::ImageClassifier;
use zoo_datasets::{DatasetKind, ImageBatch, ImageBatcher, bundled_fashion_mnist};
use zoo_train::training_model::TrainingModel;

/// SGD's learning rate for the compared step. Plain SGD makes the update proportional to the
/// gradient, so the update compares the gradients themselves; Adam's first step is close to
/// `lr * sign(gradient)` and would turn rounding in near-zero gradients into full-size flips.
pub const LR: f64 = 0.05;

/// The first `n` images of the shipped Fashion-MNIST subset, padded to 32x32 and normalised as
/// in training, on `device`.
pub fn fashion_batch(n: usize, device: &Device) -> ImageBatch {
    let data = bundled_fashion_mnist().expect("the shipped subset");
    let items = (0..n)
        .map(|i| data.train.get(i).expect("an image"))
        .collect();
    ImageBatcher::new([1, 32, 32], DatasetKind::FashionMnist.normalization()).batch(items, device)
}

/// Every float tensor a module saves (parameters and batch-norm running statistics), by path.
pub fn tensors<M: Module>(module: &M) -> Vec<(String, Vec<f32>)> {
    zoo_core::param_values(module)
        .into_iter()
        .map(|(path, data)| (path, data.try_to_vec::<f32>().expect("f32 values")))
        .collect()
}

pub fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("f32 values")
}

pub fn max_abs(values: &[f32]) -> f32 {
    values.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// The largest difference between `reference` and `other` relative to `scale`.
pub fn relative_diff(reference: &[f32], other: &[f32], scale: f32) -> f32 {
    assert_eq!(reference.len(), other.len());
    let diff = reference
        .iter()
        .zip(other)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    diff / scale.max(f32::MIN_POSITIVE)
}

/// What is compared.
#[derive(Clone, Copy, PartialEq)]
pub enum Check {
    /// The training-mode forward pass (batch norm on batch statistics): logits and loss.
    Forward,
    /// That, then the learner's backward pass and one SGD step: every parameter's update and the
    /// logits after it.
    Step,
}

/// What one forward pass or training step produced on one backend.
pub struct Outcome {
    /// The logits of the forward pass.
    pub logits: Vec<f32>,
    /// The loss.
    pub loss: f32,
    /// `after - before` for every saved tensor after the SGD step (none for [`Check::Forward`]).
    pub updates: Vec<(String, Vec<f32>)>,
    /// The logits after the step.
    pub logits_after: Vec<f32>,
}

pub fn run<M: ImageClassifier>(model: M, batch: ImageBatch, check: Check) -> Outcome {
    // Read back before the step only when there is a step to compare.
    let before = (check == Check::Step).then(|| tensors(&model));
    let images = batch.images.clone();
    let classifier = TrainingModel::new(model, None);
    let TrainOutput { grads, item } = TrainStep::step(&classifier, batch);
    let (classifier, updates) = match check {
        Check::Forward => (classifier, Vec::new()),
        Check::Step => {
            let classifier = SgdConfig::new().init().step(LR, classifier, grads);
            let updates = tensors(&classifier.model)
                .into_iter()
                .zip(before.expect("read before the step"))
                .map(|((path, after), (_, before))| {
                    let update = after.iter().zip(&before).map(|(a, b)| a - b).collect();
                    (path, update)
                })
                .collect();
            (classifier, updates)
        }
    };
    Outcome {
        logits: values(item.output),
        loss: item.loss.into_scalar::<f32>(),
        updates,
        logits_after: values(classifier.model.forward(images)),
    }
}

/// The model `init` builds on `a`, and the same weights on `b`, copied through a burnpack file
/// (a clone would share batch norm's running statistics with the original).
pub fn twins<M: ImageClassifier>(init: impl Fn(&Device) -> M, a: &Device, b: &Device) -> (M, M) {
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join("weights.bpk");
    let reference = init(a);
    zoo_core::save_weights(reference.clone(), &weights).unwrap();
    let other = zoo_core::load_weights(init(b), &weights).unwrap();
    (reference, other)
}

/// How far two outcomes may differ, each relative to the reference tensor's own scale.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    /// The largest difference in the logits and the loss, against the largest logit (and the
    /// loss). The forward pass is continuous in its inputs: only rounding moves it.
    pub output: f32,
    /// The root-mean-square difference of each parameter's update (its gradient), against the
    /// update's own root mean square.
    ///
    /// Root mean square, not the largest element: a max pool whose two largest inputs lie within
    /// rounding of each other may route its gradient to either, both right, and rounding in
    /// another order decides. Each such window moves the gradient of the layers below by a
    /// finite amount, concentrated in a few elements. Measured with Burn's ops against
    /// themselves, the images moved by 1e-6 of themselves at random, 30 seeds: the lecture CNN's
    /// updates up to 1.2e-2 apart in their largest element, 3.6e-3 in root mean square.
    pub update: f32,
    /// The largest difference in the logits after the step, against the largest logit: the
    /// updates' differences carried one step further (measured as above: up to 1.9e-4).
    pub after: f32,
}

/// The root mean square of `values`.
fn rms(values: &[f32]) -> f32 {
    let sum: f64 = values.iter().map(|v| f64::from(*v).powi(2)).sum();
    (sum / values.len().max(1) as f64).sqrt() as f32
}

/// Compares two outcomes of the same model and batch, prints the differences and asserts them
/// within `tolerance`. `what` names the two sides ("wgpu vs flex").
pub fn assert_outcomes_match(
    name: &str,
    what: &str,
    check: Check,
    reference: &Outcome,
    other: &Outcome,
    tolerance: Tolerance,
) {
    let logits = relative_diff(&reference.logits, &other.logits, max_abs(&reference.logits));
    let loss = (reference.loss - other.loss).abs() / reference.loss;
    let after = relative_diff(
        &reference.logits_after,
        &other.logits_after,
        max_abs(&reference.logits_after),
    );
    // Each tensor's update against its own scale, but at least 1% of the largest update's: a
    // tensor whose gradient (nearly) cancels, such as a convolution bias followed by batch norm,
    // gets rounding noise as its update on both sides, and noise is not compared with noise.
    let largest = reference
        .updates
        .iter()
        .fold(0.0f32, |m, (_, u)| m.max(rms(u)));
    let (worst_path, worst) = reference
        .updates
        .iter()
        .zip(&other.updates)
        .map(|((path, a), (other_path, b))| {
            assert_eq!(path, other_path);
            let diff: Vec<f32> = a.iter().zip(b).map(|(a, b)| a - b).collect();
            let scale = rms(a).max(largest * 1e-2).max(f32::MIN_POSITIVE);
            (path.as_str(), rms(&diff) / scale)
        })
        .fold(("", 0.0f32), |w, c| if c.1 > w.1 { c } else { w });
    let updates = match check {
        Check::Forward => String::new(),
        Check::Step => format!(", updates {worst:.1e} rms (worst: {worst_path})"),
    };
    eprintln!(
        "{name}: {what} relative differences: logits {logits:.1e}, loss {loss:.1e}\
         {updates}, logits after {after:.1e}"
    );
    assert!(
        check == Check::Forward || largest > 0.0,
        "{name}: the step changed no weight"
    );
    assert!(
        logits <= tolerance.output,
        "{name}: logits differ by {logits:e}"
    );
    assert!(loss <= tolerance.output, "{name}: loss differs by {loss:e}");
    assert!(
        worst <= tolerance.update,
        "{name}: update of {worst_path} differs by {worst:e} (root mean square)"
    );
    assert!(
        after <= tolerance.after,
        "{name}: logits after the step differ by {after:e}"
    );
}

/// The lecture's model as trained on Fashion-MNIST, without dropout (random masks could not
/// match between the two sides).
pub fn lecture_cnn() -> LectureCnnConfig {
    LectureCnnConfig::new(10)
        .with_in_channels(1)
        .with_conv_dropout(0.0)
        .with_dense_dropout(0.0)
}

/// VGG-16 in its 32x32 form (all 13 convolutions) for grey images, with a narrow head and no
/// dropout (random masks could not match between the two sides).
pub fn small_vgg16(batch_norm: bool) -> VggConfig {
    VggConfig::compact(VggArch::D, 10)
        .with_batch_norm(batch_norm)
        .with_in_channels(1)
        .with_hidden(32)
        .with_dropout(0.0)
}
