"""Writes the fixtures of the pretrained-weights parity tests, from the source frameworks.

Run by hand (needs torch, torchvision, timm, keras and safetensors from PyPI; CI only reads the
committed files):

    python tools/pretrained_fixtures.py

With random weights and fixed seeds it builds
- narrow VGG-11 twins (channels / 8, hidden 32, 10 classes) in torchvision's own `VGG` class and
  key layout, with and without batch norm, in eval mode, saved as `.pth` state dicts and as
  safetensors, and the same weights in timm's VGG layout (pre_logits.fc1 a 7x7 convolution,
  head.fc), checked against the torchvision twin here;
- the lecture CNN in PyTorch (this crate's field names) and in Keras 3 (the lecture's
  Sequential model), the Keras weights converted by tools/keras_to_safetensors.py;
and stores, per model, a fixed input batch, the logits and every layer's output (NCHW) in
`<name>.outputs.safetensors` next to the weights, under models/*/tests/fixtures/.
"""

import os
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
VGG_DIR = ROOT / "models/vgg16/tests/fixtures"
LECTURE_DIR = ROOT / "models/lecture-cnn/tests/fixtures"

# VGG-11 (torchvision cfg "A") with every width divided by 8.
NARROW_A = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]
HIDDEN = 32
CLASSES = 10


def tv_twin(batch_norm):
    """torchvision's VGG class with narrow features and classifier (same keys as vgg11)."""
    from torchvision.models.vgg import VGG, make_layers

    model = VGG(make_layers(NARROW_A, batch_norm=batch_norm), num_classes=CLASSES)
    model.classifier = nn.Sequential(
        nn.Linear(64 * 7 * 7, HIDDEN), nn.ReLU(True), nn.Dropout(),
        nn.Linear(HIDDEN, HIDDEN), nn.ReLU(True), nn.Dropout(),
        nn.Linear(HIDDEN, CLASSES),
    )
    if batch_norm:
        # Running statistics far from 0/1, so a wrong mapping shows.
        for m in model.features:
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def layer_outputs(model, named_modules, x):
    """The output of each named submodule for input x."""
    outputs = {}
    hooks = [
        module.register_forward_hook(
            lambda _m, _i, out, name=name: outputs.__setitem__(name, out.detach().clone())
        )
        for name, module in named_modules
    ]
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    return logits, outputs


def save_outputs(path, x, logits, outputs):
    tensors = {"input": x, "logits": logits.clone()}
    tensors.update({f"layer.{k}": v.contiguous() for k, v in outputs.items()})
    save_file(tensors, str(path))


def vgg_fixtures():
    import timm
    from timm.layers import ClassifierHead
    from timm.models.vgg import VGG as TimmVgg, ConvMlp

    VGG_DIR.mkdir(parents=True, exist_ok=True)
    # 64x64: the features end at 2x2 and the 7x7 adaptive pooling has overlapping bins.
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    for name, bn in [("vgg11_narrow", False), ("vgg11_bn_narrow", True)]:
        torch.manual_seed(2 if bn else 3)
        model = tv_twin(bn)
        named = [(f"features.{i}", m) for i, m in enumerate(model.features)]
        named += [(f"classifier.{i}", m) for i, m in enumerate(model.classifier)]
        named = [(n, m) for n, m in named if not isinstance(m, nn.Dropout)]
        logits, outputs = layer_outputs(model, named, x)
        state = model.state_dict()
        torch.save(state, VGG_DIR / f"{name}.pth")
        save_file({k: v.contiguous() for k, v in state.items()}, str(VGG_DIR / f"{name}.safetensors"))
        save_outputs(VGG_DIR / f"{name}.outputs.safetensors", x, logits, outputs)
        print(f"{name}: {sum(v.numel() for v in state.values())} values, logits {tuple(logits.shape)}")

        if not bn:
            # The same weights in timm's layout, run by timm's own VGG.
            norm = None
            t = TimmVgg(NARROW_A, num_classes=CLASSES, norm_layer=norm)
            t.pre_logits = ConvMlp(64, HIDDEN, 7, mlp_ratio=1.0, drop_rate=0.0)
            t.head = ClassifierHead(HIDDEN, CLASSES, pool_type="avg")
            t.eval()
            ts = {k: v.clone() for k, v in state.items() if k.startswith("features.")}
            ts["pre_logits.fc1.weight"] = state["classifier.0.weight"].reshape(HIDDEN, 64, 7, 7)
            ts["pre_logits.fc1.bias"] = state["classifier.0.bias"]
            ts["pre_logits.fc2.weight"] = state["classifier.3.weight"].reshape(HIDDEN, HIDDEN, 1, 1)
            ts["pre_logits.fc2.bias"] = state["classifier.3.bias"]
            ts["head.fc.weight"] = state["classifier.6.weight"]
            ts["head.fc.bias"] = state["classifier.6.bias"]
            t.load_state_dict(ts, strict=True)
            with torch.no_grad():
                timm_logits = t(x)
            err = (timm_logits - logits).abs().max().item() / logits.abs().max().item()
            assert err < 1e-5, f"timm twin differs from torchvision's by {err}"
            print(f"timm {timm.__version__} layout: logits match torchvision's within {err:.1e}")
            save_file({k: v.contiguous() for k, v in ts.items()},
                      str(VGG_DIR / f"timm_{name}.safetensors"))


class LectureTorch(nn.Module):
    """The lecture CNN in PyTorch with this crate's field names (conv1..conv3, fc1, fc2)."""

    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 36, 3, padding=1)
        self.conv2 = nn.Conv2d(36, 72, 3, padding=1)
        self.conv3 = nn.Conv2d(72, 144, 3)
        self.fc1 = nn.Linear(144 * 3 * 3, 576)
        self.fc2 = nn.Linear(576, classes)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x, outputs=None):
        outputs = {} if outputs is None else outputs
        for i, conv in enumerate([self.conv1, self.conv2, self.conv3], start=1):
            x = torch.relu(conv(x))
            outputs[f"conv{i}"] = x
            x = self.pool(x)
            outputs[f"pool{i}"] = x
        x = x.flatten(1)
        x = torch.relu(self.fc1(x))
        outputs["fc1"] = x
        x = self.fc2(x)
        outputs["fc2"] = x
        return x


def fashion_images(n):
    """The first n Fashion-MNIST test images, padded to 32x32, normalised as the zoo trains."""
    import gzip

    raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:n] / 255.0
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    mean, std = 0.2860, 0.3530
    return torch.tensor((images - mean) / std, dtype=torch.float32).unsqueeze(1)


def lecture_fixtures():
    LECTURE_DIR.mkdir(parents=True, exist_ok=True)
    x = fashion_images(4)
    torch.manual_seed(4)
    model = LectureTorch().eval()
    outputs = {}
    with torch.no_grad():
        logits = model(x, outputs)
    state = model.state_dict()
    save_file({k: v.contiguous() for k, v in state.items()}, str(LECTURE_DIR / "lecture_torch.safetensors"))
    save_outputs(LECTURE_DIR / "lecture_torch.outputs.safetensors", x, logits, outputs)
    print(f"lecture (PyTorch): logits {tuple(logits.shape)}")

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    from keras import layers

    sys.path.insert(0, str(ROOT / "tools"))
    from keras_to_safetensors import convert, lecture_keras

    keras.utils.set_random_seed(5)
    kmodel = lecture_keras(channels=1, classes=10)
    # The .keras file (3.5 MB) is the converter's input, not a test fixture.
    import tempfile
    keras_file = Path(tempfile.mkdtemp()) / "lecture_keras.keras"
    kmodel.save(keras_file)
    xk = x.permute(0, 2, 3, 1).numpy()
    names = ["conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "fc1", "fc2"]
    probe = keras.Model(kmodel.inputs, [kmodel.get_layer(n).output for n in names])
    outs = probe.predict(xk, verbose=0)
    koutputs = {}
    for n, o in zip(names, outs):
        t = torch.tensor(np.asarray(o))
        koutputs[n] = t.permute(0, 3, 1, 2) if t.dim() == 4 else t
    convert(keras_file, LECTURE_DIR / "lecture_keras.safetensors")
    save_outputs(LECTURE_DIR / "lecture_keras.outputs.safetensors", x, koutputs["fc2"], koutputs)
    print(f"lecture (Keras {keras.__version__}): logits {tuple(koutputs['fc2'].shape)}")


if __name__ == "__main__":
    vgg_fixtures()
    lecture_fixtures()
