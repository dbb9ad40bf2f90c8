//! The lecture's model as its code comments describe it, beside what this crate computes.
//!
//! The lecture writes the output of each Keras layer in a comment (`# 32x32x36`, ...,
//! `# 2024` after `Flatten`). Two of them do not match the code above them: the third `Conv2D`
//! has no `padding` argument, so Keras' default `valid` makes its 8x8 input 6x6, and the
//! flattened width is then 3x3x144 = 1,296 (the comment's 4x4x144 would be 2,304, not 2,024).

use zoo_core::ModelSummary;

/// Each layer's output as the lecture's comments give it (height x width x channels, Keras'
/// channels-last order), for a 32x32 input.
pub const LECTURE_COMMENTS: [(&str, &str); 9] = [
    ("conv1", "32x32x36"),
    ("pool1", "16x16x36"),
    ("conv2", "16x16x72"),
    ("pool2", "8x8x72"),
    ("conv3", "8x8x144"),
    ("pool3", "4x4x144"),
    ("flatten", "2024"),
    ("fc1", "576"),
    ("fc2", "10"),
];

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LectureRow {
    /// The layer's name in this crate.
    pub layer: String,
    /// Its kind (`Conv2d+ReLU`, `MaxPool2d`, ...).
    pub kind: String,
    /// What the lecture's comment says, if it has one for this layer.
    pub lecture: Option<&'static str>,
    /// What the model computes, in the lecture's notation (HxWxC, or a width).
    pub computed: String,
    /// Parameters of the layer.
    pub params: usize,
    /// Why the two differ (empty when they agree).
    pub note: String,
}

/// A layer's output shape `[-, C, H, W]` or `[-, N]` in the lecture's notation.
fn keras_shape(shape: &[usize]) -> String {
    match shape {
        [_, c, h, w] => format!("{h}x{w}x{c}"),
        [_, n] => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn explain(layer: &str, lecture: &str, computed: &str) -> String {
    if lecture == computed {
        return String::new();
    }
    match layer {
        "conv3" => format!(
            "the code's third Conv2D has no padding argument, so Keras' default 'valid' shrinks a \
             3x3 convolution's input by 2 ({computed}); the comment's {lecture} holds with \
             padding='same' (--conv3-padding same)"
        ),
        "pool3" | "down3" => format!(
            "half of conv3's output: {computed}; {lecture} would follow from an 8x8 conv3 \
             ('same' padding)"
        ),
        "flatten" => format!(
            "the last block's output flattened: {computed}; the comment's {lecture} matches no \
             form of the model (3x3x144 = 1296 with the code's 'valid' conv3, 4x4x144 = 2304 \
             with 'same')"
        ),
        _ => "the model was built for another input size, filter count or class count than \
              the lecture's (32x32, 36 filters, 10 classes)"
            .to_string(),
    }
}

/// The rows for a summary of the lecture CNN (layers without a lecture comment, such as the
/// stride-2 convolutions of `--pooling stride`, are listed with none).
pub fn lecture_rows(summary: &ModelSummary) -> Vec<LectureRow> {
    summary
        .layers
        .iter()
        .map(|layer| {
            let computed = keras_shape(&layer.output_shape);
            // `--pooling stride`: the stride-2 convolution `downN` stands where `poolN` was.
            let key = layer.name.replace("down", "pool");
            let lecture = LECTURE_COMMENTS
                .iter()
                .find(|(name, _)| *name == key)
                .map(|(_, said)| *said);
            LectureRow {
                layer: layer.name.clone(),
                kind: layer.kind.clone(),
                note: lecture
                    .map_or_else(String::new, |said| explain(&layer.name, said, &computed)),
                lecture,
                computed,
                params: layer.params,
            }
        })
        .collect()
}

/// The comparison as a table: layer, the lecture's comment, what the model computes,
/// parameters (max pooling: "0 parameters"), and the explanation of each difference.
pub fn lecture_table(summary: &ModelSummary) -> String {
    let rows = lecture_rows(summary);
    let mut out = format!(
        "{:<9} {:<14} {:<10} {:<10} {:>14}  note\n",
        "layer", "kind", "lecture", "computed", "parameters"
    );
    out.push_str(&"-".repeat(72));
    out.push('\n');
    for row in &rows {
        let params = if row.kind.starts_with("MaxPool") {
            "0 parameters".to_string()
        } else {
            row.params.to_string()
        };
        let mark = match row.lecture {
            Some(said) if said != row.computed => "differs: ",
            Some(_) if row.layer.starts_with("down") => {
                "the shape of the lecture's max pool, from a learned stride-2 convolution"
            }
            Some(_) => "as the lecture says",
            None => "not in the lecture",
        };
        out.push_str(&format!(
            "{:<9} {:<14} {:<10} {:<10} {:>14}  {mark}{}\n",
            row.layer,
            row.kind,
            row.lecture.unwrap_or("-"),
            row.computed,
            params,
            row.note
        ));
    }
    let strided: usize = rows
        .iter()
        .filter(|r| r.layer.starts_with("down"))
        .map(|r| r.params)
        .sum();
    if strided == 0 {
        out.push_str(&format!(
            "total: {} parameters; max pooling adds none (it keeps the largest value of each 2x2 \
             window: half the height and width, the same channels).\n",
            summary.total_params
        ));
    } else {
        out.push_str(&format!(
            "total: {} parameters, {strided} of them in the stride-2 convolutions that stand \
             where the lecture's parameter-free max pools are (--pooling stride).\n",
            summary.total_params
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Conv3Padding, LectureCnnConfig};
    use zoo_core::ImageClassifier;

    fn summary(config: LectureCnnConfig) -> ModelSummary {
        let device = burn::tensor::Device::default();
        config.init(&device).unwrap().summary([3, 32, 32], &device)
    }

    #[test]
    fn the_lectures_code_gives_6x6_and_1296_not_its_comments_8x8_and_2024() {
        let rows = lecture_rows(&summary(LectureCnnConfig::new(10)));
        let row = |name: &str| rows.iter().find(|r| r.layer == name).unwrap().clone();
        for agreeing in ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2"] {
            assert_eq!(row(agreeing).note, "", "{agreeing}");
            assert_eq!(Some(row(agreeing).computed.as_str()), row(agreeing).lecture);
        }
        assert_eq!(row("conv3").computed, "6x6x144");
        assert_eq!(row("pool3").computed, "3x3x144");
        assert_eq!(row("flatten").computed, "1296");
        assert!(row("flatten").note.contains("2304"));
        assert_eq!(row("pool1").params, 0);
        let table = lecture_table(&summary(LectureCnnConfig::new(10)));
        assert_eq!(table.matches("0 parameters").count(), 3, "{table}");
    }

    #[test]
    fn same_padding_matches_the_comments_but_the_flatten_slip() {
        let same = LectureCnnConfig::new(10).with_conv3_padding(Conv3Padding::Same);
        let rows = lecture_rows(&summary(same));
        let differing: Vec<&str> = rows
            .iter()
            .filter(|r| !r.note.is_empty())
            .map(|r| r.layer.as_str())
            .collect();
        assert_eq!(differing, ["flatten"]);
    }

    #[test]
    fn the_stride_control_lines_up_with_the_lectures_pools() {
        let stride = LectureCnnConfig::new(10).with_pooling(crate::Pooling::Stride);
        let summary = summary(stride);
        let rows = lecture_rows(&summary);
        let down1 = rows.iter().find(|r| r.layer == "down1").unwrap();
        assert_eq!(down1.lecture, Some("16x16x36"));
        assert_eq!(down1.params, 36 * 36 * 4 + 36);
        assert!(!rows.iter().any(|r| r.kind.starts_with("MaxPool")));
        assert!(lecture_table(&summary).contains("stride-2 convolutions"));
    }
}
