//! Checks shared by the model crates' tests (a dev-dependency only, never in a library's
//! graph): a fixed, learnable batch, a few optimiser steps, a weights round trip through a
//! burnpack file, layer-by-layer parity with stored fixtures, and the command-line and server
//! processes.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};

use zoo_core::ImageClassifier;

/// A deterministic batch that a CNN can learn: image `i` has class `i % classes`, a bright
/// square whose position encodes the class, on low-amplitude pseudo-random noise.
pub fn learnable_batch(
    device: &Device,
    batch: usize,
    shape: [usize; 3],
    classes: usize,
) -> (Tensor<4>, Tensor<1, Int>) {
    let [c, h, w] = shape;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1000) as f32 / 1000.0 * 0.2
    };
    let side = (h.min(w) / 4).max(2);
    let per_row = (w / side).max(1);
    let mut pixels = Vec::with_capacity(batch * c * h * w);
    let mut labels = Vec::with_capacity(batch);
    for i in 0..batch {
        let class = i % classes;
        labels.push(class as i64);
        let (top, left) = (
            (class / per_row * side) % (h - side + 1),
            (class % per_row) * side,
        );
        for _ in 0..c {
            for y in 0..h {
                for x in 0..w {
                    let inside = (top..top + side).contains(&y) && (left..left + side).contains(&x);
                    pixels.push(if inside { 1.0 } else { noise() });
                }
            }
        }
    }
    let images = Tensor::from_data(TensorData::new(pixels, [batch, c, h, w]), device);
    let labels = Tensor::from_data(TensorData::new(labels, [batch]), device);
    (images, labels)
}

/// Runs `steps` Adam steps (learning rate `lr`) of cross-entropy on one batch and returns the
/// trained model with the loss before each step.
pub fn train_steps<M: ImageClassifier>(
    mut model: M,
    images: Tensor<4>,
    labels: Tensor<1, Int>,
    steps: usize,
    lr: f64,
) -> (M, Vec<f32>) {
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&images.device());
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        let logits = model.forward(images.clone());
        let loss = loss_fn.forward(logits, labels.clone());
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    (model, losses)
}

/// The largest absolute difference between two tensors of the same shape.
pub fn max_abs_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

/// Saves `model`'s weights to a burnpack file, loads them into `fresh` (same architecture,
/// other weights) and returns it: outputs must then be identical.
pub fn record_round_trip<M: Module>(model: M, fresh: M) -> M {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("weights.bpk");
    zoo_core::save_weights(model, &path).expect("save weights");
    zoo_core::load_weights(fresh, &path).expect("load weights")
}

/// A command running a zoo binary on the flex backend.
///
/// The command-line tests check behaviour, not backends: in a build with a GPU backend compiled
/// in (CI's `--features wgpu`), the binaries would otherwise pick that one, which on a software
/// driver is ~30x slower. The wgpu comparison lives in zoo-train's tests.
pub fn cli_command(binary: &str) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command.env("ZOO_BACKEND", "flex");
    command
}

/// Runs a command-line binary (on flex, see [`cli_command`]) expecting it to refuse `args`: exit
/// code `code` (1: the zoo's errors, 2: clap's), `needle` in its output, and no panic.
pub fn assert_refused(binary: &str, args: &[&str], code: i32, needle: &str) {
    let (status, all) = run_text(binary, args);
    assert_eq!(status.code(), Some(code), "{args:?}:\n{all}");
    assert!(
        all.contains(needle),
        "{args:?}: expected '{needle}' in:\n{all}"
    );
    assert!(!all.contains("panicked"), "{args:?} panicked:\n{all}");
}

/// Runs a command-line binary (on flex, see [`cli_command`]) and returns its output (stdout
/// then stderr), failing the test with that output when it exits with an error.
pub fn run_ok(binary: &str, args: &[&str]) -> String {
    let (status, text) = run_text(binary, args);
    assert!(status.success(), "{args:?} failed:\n{text}");
    text
}

/// Runs a command-line binary on flex: its exit status and its output (stdout then stderr).
fn run_text(binary: &str, args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = cli_command(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status, text)
}

/// Waits until the three records of `epoch`'s checkpoint (`model`, `optim`, `scheduler`) are in
/// `<run>/checkpoint/` while `child` trains into `run`, failing the test if it ends first or
/// takes more than ten minutes.
pub fn wait_for_checkpoint(child: &mut std::process::Child, run: &std::path::Path, epoch: usize) {
    let files: Vec<_> = ["model", "optim", "scheduler"]
        .iter()
        .map(|name| run.join("checkpoint").join(format!("{name}-{epoch}.bpk")))
        .collect();
    let start = std::time::Instant::now();
    while !files.iter().all(|p| p.is_file()) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(600),
            "no checkpoint of epoch {epoch} in {}",
            run.display()
        );
        assert!(
            child
                .try_wait()
                .expect("the child can be waited on")
                .is_none(),
            "training ended before epoch {epoch} was checkpointed"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

pub mod serve;

/// Source-framework outputs stored beside imported weights (the fixtures
/// `tools/pretrained_fixtures.py` writes): `input`, `logits` and `layer.<name>` for each layer,
/// NCHW.
pub mod parity {
    use std::collections::BTreeMap;
    use std::path::Path;

    use burn::module::Module;
    use burn::tensor::{Device, Tensor, TensorData};

    use zoo_core::{ImageClassifier, LayerTap};

    /// A tensor read from a fixture: shape and values.
    pub type Stored = (Vec<usize>, Vec<f32>);

    /// Every f32 tensor of a safetensors file, by name.
    pub fn read_safetensors(path: &Path) -> BTreeMap<String, Stored> {
        use zoo_core::pretrained::safetensors::{Dtype, SafeTensors};
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = SafeTensors::deserialize(&bytes).expect("a safetensors file");
        file.tensors()
            .into_iter()
            .filter(|(_, v)| v.dtype() == Dtype::F32)
            .map(|(name, v)| {
                let values = v
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                    .collect();
                (name, (v.shape().to_vec(), values))
            })
            .collect()
    }

    /// Records every layer's output by name.
    #[derive(Default)]
    struct EveryLayer(BTreeMap<String, Stored>);

    impl EveryLayer {
        fn keep<const D: usize>(&mut self, name: &str, output: &Tensor<D>) {
            let values = output.clone().into_data().try_to_vec::<f32>().expect("f32");
            self.0
                .insert(name.to_string(), (output.dims().to_vec(), values));
        }
    }

    impl LayerTap for EveryLayer {
        fn layer<const D: usize, M: Module>(
            &mut self,
            name: &str,
            _: &str,
            out: &Tensor<D>,
            _: &M,
        ) {
            self.keep(name, out);
        }

        fn reshape<const D: usize>(&mut self, name: &str, _: &str, output: &Tensor<D>) {
            self.keep(name, output);
        }
    }

    /// Asserts that `model` reproduces the fixture `outputs` layer by layer within `tolerance`
    /// (see [`layer_errors`]) on the flex device.
    pub fn assert_layers_match<M: ImageClassifier>(model: &M, outputs: &Path, tolerance: f32) {
        let worst = layer_errors(model, outputs, &Device::flex());
        println!(
            "{}: largest relative difference {worst:.1e}",
            outputs.display()
        );
        assert!(worst <= tolerance, "{}: {worst:e}", outputs.display());
    }

    /// Runs `model` on the fixture's input and compares the logits and every stored layer with
    /// the source framework's, each relative to the largest value of the stored tensor. Prints
    /// each layer's difference and returns the largest; panics on a layer the model lacks or a
    /// shape that differs.
    pub fn layer_errors<M: ImageClassifier>(model: &M, outputs: &Path, device: &Device) -> f32 {
        let stored = read_safetensors(outputs);
        let (shape, input) = stored.get("input").expect("the fixture's input").clone();
        let shape: [usize; 4] = shape.try_into().expect("an NCHW input");
        let images = Tensor::<4>::from_data(TensorData::new(input, shape), device);
        let mut tap = EveryLayer::default();
        let logits = model.forward_tapped(images, &mut tap);
        tap.keep("logits", &logits);
        let mut worst = 0f32;
        for (key, (shape, expected)) in &stored {
            let Some(name) = key
                .strip_prefix("layer.")
                .or((key == "logits").then_some("logits"))
            else {
                continue;
            };
            let (got_shape, got) = tap
                .0
                .get(name)
                .unwrap_or_else(|| panic!("{}: the model has no layer {name}", outputs.display()));
            assert_eq!(got_shape, shape, "{name}: shape");
            let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
            let diff = expected
                .iter()
                .zip(got)
                .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            println!(
                "{name:>14}: {:?} relative difference {:.1e}",
                shape,
                diff / scale
            );
            worst = worst.max(diff / scale);
        }
        worst
    }
}
