//! GFLOP/s of every distinct convolution layer of the lecture CNN and of VGG-16, with the zoo's
//! kernels: the forward pass alone (inference) and forward + backward (training, `sum()` as the
//! loss), median of 7 calls after 2 warm-up calls.
//!
//! ```text
//! cargo run --release -p zoo-kernels --features flex --example conv_layers
//! ZOO_KERNELS=stock cargo run --release -p zoo-kernels --features flex --example conv_layers
//! ```

use std::time::Instant;

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{Device, Distribution, Tensor};

/// As in the zoo's binaries.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Median milliseconds of `f`.
fn median_ms(mut f: impl FnMut()) -> f64 {
    for _ in 0..2 {
        f();
    }
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[3]
}

fn main() {
    // (name, batch, input channels, output channels, size, "same" padding)
    let layers = [
        ("lecture conv1", 64, 1, 36, 32, true),
        ("lecture conv2", 64, 36, 72, 16, true),
        ("lecture conv3", 64, 72, 144, 8, false),
        ("vgg 32x32 conv1_2", 64, 64, 64, 32, true),
        ("vgg 32x32 conv2_2", 64, 128, 128, 16, true),
        ("vgg 32x32 conv3_2", 64, 256, 256, 8, true),
        ("vgg 32x32 conv4_2", 64, 512, 512, 4, true),
        ("vgg 32x32 conv5_2", 64, 512, 512, 2, true),
        ("vgg 224 conv1_1", 1, 3, 64, 224, true),
        ("vgg 224 conv1_2", 1, 64, 64, 224, true),
        ("vgg 224 conv2_2", 1, 128, 128, 112, true),
        ("vgg 224 conv3_2", 1, 256, 256, 56, true),
        ("vgg 224 conv4_2", 1, 512, 512, 28, true),
        ("vgg 224 conv5_2", 1, 512, 512, 14, true),
    ];
    let train_device = Device::flex().autodiff();
    println!(
        "kernels: {}",
        if zoo_kernels::enabled() {
            "zoo"
        } else {
            "Burn's ops"
        }
    );
    println!(
        "{:<20} {:>12} {:>10} {:>12} {:>10}",
        "layer", "infer ms", "GFLOP/s", "train ms", "GFLOP/s"
    );
    for (name, batch, c_in, c_out, size, same) in layers {
        let padding = if same {
            PaddingConfig2d::Same
        } else {
            PaddingConfig2d::Valid
        };
        let conv = Conv2dConfig::new([c_in, c_out], [3, 3])
            .with_padding(padding)
            .init(&train_device);
        let x = Tensor::<4>::random(
            [batch, c_in, size, size],
            Distribution::Normal(0.0, 1.0),
            &train_device,
        );
        let out = if same { size } else { size - 2 };
        let gflop = (batch * out * out * c_out * c_in * 9 * 2) as f64 / 1e9;
        // The first layer's input takes no gradient (the images), the others do.
        let x_train = if c_in <= 3 {
            x.clone()
        } else {
            x.clone().require_grad()
        };
        let passes = if c_in <= 3 { 2.0 } else { 3.0 };
        let train = median_ms(|| {
            let _ = zoo_kernels::conv2d_relu(&conv, x_train.clone())
                .sum()
                .backward();
        });
        let plain = conv.valid();
        let x_plain = x.inner();
        let infer = median_ms(|| {
            let _ = zoo_kernels::conv2d_relu(&plain, x_plain.clone());
        });
        println!(
            "{name:<20} {infer:>12.2} {:>10.0} {train:>12.2} {:>10.0}",
            gflop / infer * 1e3,
            passes * gflop / train * 1e3
        );
    }
}
