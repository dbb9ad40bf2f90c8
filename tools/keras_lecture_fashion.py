"""Trains the lecture's Keras model on Fashion-MNIST, the way the zoo's lecture-cnn trains it,
and saves it for tools/keras_to_safetensors.py (the README's Keras-to-Burn walkthrough).

    python tools/keras_lecture_fashion.py OUT.keras [--epochs 3]

Same data as the zoo: Debian's dataset-fashion-mnist files, 28x28 zero-padded to 32x32, pixels
/255 then normalised with mean 0.2860 and std 0.3530; Adam (lr 1e-3), batch 64; the Keras
test accuracy on the 10,000 test images is printed at the end.
"""

import argparse
import gzip
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from keras_to_safetensors import lecture_keras  # noqa: E402

DATA = Path("/usr/share/datasets/fashion-mnist")


def load(split):
    images = np.frombuffer(gzip.open(DATA / f"{split}-images-idx3-ubyte.gz").read(), np.uint8, offset=16)
    labels = np.frombuffer(gzip.open(DATA / f"{split}-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
    images = np.pad(images.reshape(-1, 28, 28) / 255.0, ((0, 0), (2, 2), (2, 2)))
    return (((images - 0.2860) / 0.3530)[..., None]).astype(np.float32), labels.astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    import keras

    keras.utils.set_random_seed(7)
    x, y = load("train")
    xt, yt = load("t10k")
    model = lecture_keras(channels=1, classes=10)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=64, epochs=args.epochs, verbose=2)
    loss, accuracy = model.evaluate(xt, yt, batch_size=256, verbose=0)
    print(f"Keras test accuracy {100 * accuracy:.2f}% (loss {loss:.4f}) on {len(yt)} images")
    model.save(args.out)


if __name__ == "__main__":
    main()
