"""Converts the lecture CNN's Keras 3 weights into safetensors that the lecture-cnn crate loads.

    python tools/keras_to_safetensors.py MODEL.keras|MODEL.weights.h5 OUT.safetensors \
        [--channels 1] [--classes 10]
    python tools/keras_to_safetensors.py --to-keras EXPORTED.safetensors OUT.keras \
        [--channels 1] [--classes 10]

The second form is the way back: weights written by `lecture-cnn export` into the lecture's
Keras model, saved as a `.keras` file that `keras.models.load_model` opens.

The lecture's model (../shared/seed/) is a Keras Sequential: three Conv2D (36, 72, 144 filters,
3x3; the first two `same`, the third `valid`), each followed by MaxPooling2D(2) and Dropout,
then Flatten, Dense(576), Dropout, Dense(classes). Layers are taken in order (the first Conv2D is
conv1, the first Dense fc1), so Keras' automatic layer names work too. A `.weights.h5` file holds
no architecture: it is loaded into `lecture_keras(channels, classes)`.

Layouts (Keras is channels-last, this crate is PyTorch's channels-first):
- Conv2D kernel [kh, kw, in, out] -> conv.weight [out, in, kh, kw];
- Dense kernel [in, out] -> linear.weight [out, in] (PyTorch's layout; the crate's importer
  transposes it into Burn's [in, out]);
- fc1 additionally reorders its 1296 inputs: Keras flattens the 3x3x144 features as (h, w, c),
  this crate (and PyTorch) as (c, h, w).
The output names are the crate's: conv1.weight, conv1.bias, ..., fc2.bias.
"""

import argparse
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def lecture_keras(channels=3, classes=10, size=32):
    """The lecture's Keras model (layer names as this crate's fields)."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((size, size, channels)),
        layers.Conv2D(36, 3, padding="same", activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"), layers.Dropout(0.25),
        layers.Conv2D(72, 3, padding="same", activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"), layers.Dropout(0.25),
        layers.Conv2D(144, 3, activation="relu", name="conv3"),
        layers.MaxPooling2D(2, name="pool3"), layers.Dropout(0.25),
        layers.Flatten(), layers.Dense(576, activation="relu", name="fc1"), layers.Dropout(0.5),
        layers.Dense(classes, name="fc2"),
    ])


def convert(source, out, channels=1, classes=10):
    """Reads the Keras model or weights at `source`, writes `out` (safetensors)."""
    import keras
    from safetensors.numpy import save_file

    source = Path(source)
    if source.suffix == ".keras":
        model = keras.models.load_model(source, compile=False)
    else:
        model = lecture_keras(channels, classes)
        model.load_weights(source)
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    denses = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
    if len(convs) != 3 or len(denses) != 2:
        raise SystemExit(f"{source}: expected 3 Conv2D and 2 Dense layers (the lecture CNN), "
                         f"found {len(convs)} and {len(denses)}")
    tensors = {}
    for i, layer in enumerate(convs, start=1):
        kernel, bias = (np.asarray(w) for w in layer.get_weights())
        tensors[f"conv{i}.weight"] = kernel.transpose(3, 2, 0, 1)
        tensors[f"conv{i}.bias"] = bias
    # fc1: rows in Keras' (h, w, c) flatten order -> (c, h, w).
    kernel, bias = (np.asarray(w) for w in denses[0].get_weights())
    h, w, c = convs[-1].output.shape[1] // 2, convs[-1].output.shape[2] // 2, convs[-1].filters
    kernel = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
    tensors["fc1.weight"] = kernel.T
    tensors["fc1.bias"] = bias
    kernel, bias = (np.asarray(w) for w in denses[1].get_weights())
    tensors["fc2.weight"] = kernel.T
    tensors["fc2.bias"] = bias
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    save_file(tensors, str(out), metadata={"source": source.name, "format": "pt"})
    print(f"{out}: {len(tensors)} tensors from {source}")


def to_keras(source, out, channels=1, classes=10):
    """Reads safetensors in this crate's names (`lecture-cnn export`), writes a `.keras` model."""
    from safetensors.numpy import load_file

    tensors = load_file(str(source))
    model = lecture_keras(channels, classes)
    for i in (1, 2, 3):
        model.get_layer(f"conv{i}").set_weights(
            [tensors[f"conv{i}.weight"].transpose(2, 3, 1, 0), tensors[f"conv{i}.bias"]])
    # fc1: inputs back from (c, h, w) to Keras' (h, w, c) order.
    c, h, w = model.get_layer("conv3").filters, 3, 3
    kernel = tensors["fc1.weight"].T.reshape(c, h, w, -1).transpose(1, 2, 0, 3).reshape(h * w * c, -1)
    model.get_layer("fc1").set_weights([kernel, tensors["fc1.bias"]])
    model.get_layer("fc2").set_weights([tensors["fc2.weight"].T, tensors["fc2.bias"]])
    model.save(out)
    print(f"{out}: the lecture's Keras model with the weights of {source}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to-keras", action="store_true",
                        help="the way back: SOURCE is safetensors from `lecture-cnn export`")
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    if args.to_keras:
        to_keras(args.source, args.out, args.channels, args.classes)
    else:
        convert(args.source, args.out, args.channels, args.classes)


if __name__ == "__main__":
    main()
