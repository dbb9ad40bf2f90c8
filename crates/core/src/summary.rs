use std::fmt;

use burn::tensor::{Device, Tensor};

use crate::SummaryTap;

/// One row of a [`ModelSummary`]: a layer, its output shape and its parameter count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The layer's path in the module, as in its weights file (`conv1`, `features.0`).
    pub name: String,
    /// The layer's type (`Conv2d`, `MaxPool2d`, `Linear`, ...).
    pub kind: String,
    /// The output shape; the batch dimension is `0` and printed as `-`.
    pub output_shape: Vec<usize>,
    /// The number of parameters of this layer alone.
    pub params: usize,
}

/// A layer-by-layer table of a model for one input shape, as Keras' `model.summary()` prints it.
///
/// Built by running the real modules on a zero input through a
/// [`SummaryTap`](crate::SummaryTap), so shapes and counts cannot drift from the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary {
    /// The model's name.
    pub model: String,
    /// The input shape `[channels, height, width]`.
    pub input_shape: [usize; 3],
    /// Every layer, in forward order.
    pub layers: Vec<LayerInfo>,
    /// The model's parameter count, batch-norm running statistics included (as Keras counts).
    pub total_params: usize,
    /// The part of `total_params` that is not trained by gradients (batch-norm running
    /// statistics).
    pub non_trainable_params: usize,
}

impl ModelSummary {
    /// Runs `forward` on one zero image of `input_shape` (`[channels, height, width]`) on
    /// `device` through a [`SummaryTap`] and returns the table it recorded.
    pub fn collect(
        model: impl Into<String>,
        input_shape: [usize; 3],
        total_params: usize,
        non_trainable_params: usize,
        device: &Device,
        forward: impl FnOnce(Tensor<4>, &mut SummaryTap),
    ) -> Self {
        let [c, h, w] = input_shape;
        let mut tap = SummaryTap::default();
        forward(Tensor::zeros([1, c, h, w], device), &mut tap);
        Self {
            model: model.into(),
            input_shape,
            layers: tap.layers,
            total_params,
            non_trainable_params,
        }
    }

    /// The sum of the per-layer counts; equals [`total_params`](Self::total_params) when every
    /// parameterised layer appears in the table.
    pub fn layer_params(&self) -> usize {
        self.layers.iter().map(|layer| layer.params).sum()
    }

    /// Size of the parameters in MiB at 32-bit floats.
    pub fn size_mib(&self) -> f64 {
        self.total_params as f64 * 4.0 / (1024.0 * 1024.0)
    }
}

/// Formats `1234567` as `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if i == 0 {
                "-".to_string()
            } else {
                d.to_string()
            }
        })
        .collect();
    format!("[{}]", dims.join(", "))
}

impl fmt::Display for ModelSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [c, h, w] = self.input_shape;
        let rows: Vec<(String, String, String)> = self
            .layers
            .iter()
            .map(|l| {
                (
                    format!("{} ({})", l.name, l.kind),
                    shape_text(&l.output_shape),
                    thousands(l.params),
                )
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(14);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(12);
        let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(0).max(7);
        let width = w0 + w1 + w2 + 4;
        writeln!(f, "Model: \"{}\"  (input {c}x{h}x{w})", self.model)?;
        writeln!(f, "{}", "=".repeat(width))?;
        writeln!(
            f,
            "{:<w0$}  {:<w1$}  {:>w2$}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(width))?;
        for (name, shape, params) in &rows {
            writeln!(f, "{name:<w0$}  {shape:<w1$}  {params:>w2$}")?;
        }
        writeln!(f, "{}", "=".repeat(width))?;
        writeln!(
            f,
            "Total params: {} ({:.2} MiB)",
            thousands(self.total_params),
            self.size_mib()
        )?;
        writeln!(
            f,
            "Trainable params: {}",
            thousands(self.total_params - self.non_trainable_params)
        )?;
        write!(
            f,
            "Non-trainable params: {}",
            thousands(self.non_trainable_params)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(138_357_544), "138,357,544");
    }

    #[test]
    fn table_lists_every_layer_and_the_total() {
        let summary = ModelSummary {
            model: "tiny".into(),
            input_shape: [1, 4, 4],
            layers: vec![
                LayerInfo {
                    name: "conv".into(),
                    kind: "Conv2d".into(),
                    output_shape: vec![0, 2, 4, 4],
                    params: 20,
                },
                LayerInfo {
                    name: "fc".into(),
                    kind: "Linear".into(),
                    output_shape: vec![0, 3],
                    params: 1_000,
                },
            ],
            total_params: 1_020,
            non_trainable_params: 0,
        };
        let text = summary.to_string();
        assert!(text.contains("conv (Conv2d)"), "{text}");
        assert!(text.contains("[-, 2, 4, 4]"), "{text}");
        assert!(text.contains("Total params: 1,020"), "{text}");
        assert_eq!(summary.layer_params(), 1_020);
    }
}
