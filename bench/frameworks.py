#!/usr/bin/env python3
"""The zoo's `bench` workloads in PyTorch or Keras, measured the way `bench` measures them.

Run by bench/compare (which installs the frameworks into a virtual environment); by hand:

    python bench/frameworks.py torch --workload lecture-cnn --json out.json

Each workload is the same model, input and batch sizes as the zoo's command
(`bench/compare` prints the exact `bench` line next to each): one training step (forward,
cross-entropy, backward, Adam 1e-3) at the training batch, inference at a large batch and at
batch 1 (latency), random inputs. Each call is timed on its own after untimed warm-up calls;
the figures are the median with the fastest and slowest call. PyTorch runs NCHW, as the zoo;
Keras runs NHWC, its native layout, with compiled `train_on_batch` / `predict_on_batch`.
"""
import argparse
import json
import os
import platform
import statistics
import time

# The zoo's workloads: input [c, h, w], classes, training and inference batch, repetitions.
WORKLOADS = {
    # The lecture's CNN on Fashion-MNIST padded to 32x32 (870,058 parameters).
    "lecture-cnn": dict(input=(1, 32, 32), classes=10, train_batch=64, infer_batch=256, reps=7),
    # VGG-16's 13 convolutions on 32x32 (CIFAR-10) + Linear(512, 10) (14,719,818 parameters).
    "vgg16-32": dict(input=(3, 32, 32), classes=10, train_batch=64, infer_batch=256, reps=5),
    # The lecture's VGG-16: 224x224x3, 1000 classes (138,357,544 parameters).
    "vgg16-224": dict(input=(3, 224, 224), classes=1000, train_batch=4, infer_batch=8, reps=3),
}
WARMUP = 2
LATENCY_REPS = 20


def timing(call, reps, warmup=WARMUP):
    """Median, min and max milliseconds of `reps` timed calls after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000.0)
    return {"median_ms": statistics.median(samples), "min_ms": min(samples), "max_ms": max(samples)}


def torch_workload(name, spec, threads):
    import torch
    from torch import nn
    from torchvision.models import vgg16

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    def build():
        c = spec["input"][0]
        if name == "lecture-cnn":
            # Keras' padding: same, same, valid; softmax folded into the loss as usual.
            return nn.Sequential(
                nn.Conv2d(c, 36, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                nn.Conv2d(36, 72, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                nn.Conv2d(72, 144, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                nn.Flatten(), nn.Linear(144 * 3 * 3, 576), nn.ReLU(), nn.Dropout(0.5),
                nn.Linear(576, spec["classes"]),
            )
        if name == "vgg16-32":
            return nn.Sequential(vgg16(weights=None).features, nn.Flatten(),
                                 nn.Linear(512, spec["classes"]))
        return vgg16(weights=None, num_classes=spec["classes"])

    model = build()
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(spec["train_batch"], *spec["input"])
    y = torch.randint(0, spec["classes"], (spec["train_batch"],))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    train = timing(train_step, spec["reps"])
    model.eval()
    big = torch.randn(spec["infer_batch"], *spec["input"])
    one = torch.randn(1, *spec["input"])
    with torch.no_grad():
        infer = timing(lambda: model(big), spec["reps"])
        latency = timing(lambda: model(one), max(spec["reps"], LATENCY_REPS))
    return params, train, infer, latency, f"PyTorch {torch.__version__}"


def keras_workload(name, spec, threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    import keras
    from keras import layers

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    c, h, w = spec["input"]

    def build():
        if name == "lecture-cnn":
            return keras.Sequential([
                keras.Input((h, w, c)),
                layers.Conv2D(36, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Dropout(0.25),
                layers.Conv2D(72, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
                layers.Dropout(0.25),
                layers.Conv2D(144, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
                layers.Flatten(), layers.Dense(576, activation="relu"), layers.Dropout(0.5),
                layers.Dense(spec["classes"]),
            ])
        if name == "vgg16-32":
            base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(h, w, c))
            return keras.Sequential([base, layers.Flatten(), layers.Dense(spec["classes"])])
        return keras.applications.VGG16(weights=None, classes=spec["classes"],
                                        classifier_activation=None)

    model = build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((spec["train_batch"], h, w, c), dtype=np.float32)
    y = rng.integers(0, spec["classes"], spec["train_batch"])
    train = timing(lambda: model.train_on_batch(x, y), spec["reps"])
    big = rng.standard_normal((spec["infer_batch"], h, w, c), dtype=np.float32)
    one = rng.standard_normal((1, h, w, c), dtype=np.float32)
    infer = timing(lambda: model.predict_on_batch(big), spec["reps"])
    latency = timing(lambda: model.predict_on_batch(one), max(spec["reps"], LATENCY_REPS))
    return (model.count_params(), train, infer, latency,
            f"Keras {keras.__version__} (TensorFlow {tf.__version__})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("framework", choices=["torch", "keras"])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", required=True, help="where to write the result")
    args = parser.parse_args()
    spec = WORKLOADS[args.workload]
    run = torch_workload if args.framework == "torch" else keras_workload
    params, train, infer, latency, version = run(args.workload, spec, args.threads)
    result = {
        "framework": version,
        "python": platform.python_version(),
        "threads": args.threads,
        "workload": args.workload,
        "params": params,
        "input": list(spec["input"]),
        "train_batch_size": spec["train_batch"],
        "infer_batch_size": spec["infer_batch"],
        "train_step": train,
        "train_images_per_second": spec["train_batch"] / (train["median_ms"] / 1000.0),
        "infer_batch": infer,
        "infer_images_per_second": spec["infer_batch"] / (infer["median_ms"] / 1000.0),
        "latency": latency,
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(f"{version} {args.workload}: {params:,} parameters, train {result['train_images_per_second']:.1f} "
          f"img/s, inference {result['infer_images_per_second']:.1f} img/s, latency "
          f"{latency['median_ms']:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
