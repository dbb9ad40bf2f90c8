//! Line charts: panels side by side, each with its own axes, series and legend.
//!
//! Training curves ([`curves`](crate::chart::curves)) and the translation probe's plot are
//! both lists of [`Panel`]s.

use image::RgbImage;
use plotters::prelude::*;

use crate::VizError;
use crate::font;

/// The colours of series, by index (matplotlib's "tab10").
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// One line of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend's text.
    pub label: String,
    /// `(x, y)` points, drawn in order; non-finite ones are left out.
    pub points: Vec<(f64, f64)>,
    /// Index into the palette (same index, same colour across panels).
    pub color: usize,
    /// A dashed line (validation beside a solid training line, a control beside a model).
    pub dashed: bool,
}

/// One chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The title above the chart.
    pub title: String,
    /// The x axis' label.
    pub x_label: String,
    /// The y axis' label.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// A fixed y range (accuracy: 0..1); from the data when `None`.
    pub y_range: Option<(f64, f64)>,
    /// The legend in the lower right corner (curves that rise), else the upper right.
    pub legend_low: bool,
}

/// Draws `panels` side by side, each `size` pixels.
pub fn draw_panels(panels: &[Panel], size: (u32, u32)) -> Result<RgbImage, VizError> {
    if panels.is_empty() {
        return Err(VizError::Empty("a chart".into()));
    }
    font::ensure();
    let width = size.0 * panels.len() as u32;
    let mut image = RgbImage::new(width, size.1);
    {
        let root = BitMapBackend::with_buffer(image.as_mut(), (width, size.1)).into_drawing_area();
        let draw = |what: &str, e: String| VizError::Draw {
            what: what.to_string(),
            message: e,
        };
        root.fill(&WHITE)
            .map_err(|e| draw("the chart", e.to_string()))?;
        let areas = root.split_evenly((1, panels.len()));
        for (panel, area) in panels.iter().zip(&areas) {
            draw_panel(panel, area).map_err(|e| draw(&panel.title, e))?;
        }
        root.present()
            .map_err(|e| draw("the chart", e.to_string()))?;
    }
    Ok(image)
}

fn draw_panel<DB: DrawingBackend>(
    panel: &Panel,
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), String> {
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    let points: Vec<(f64, f64)> = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied().filter(finite))
        .collect();
    let (x_lo, x_hi) = padded(points.iter().map(|p| p.0), 0.0);
    let (y_lo, y_hi) = panel
        .y_range
        .unwrap_or_else(|| padded(points.iter().map(|p| p.1), 0.05));
    // x is a count (epochs, pixels): one label per whole number while they fit.
    let x_labels = ((x_hi - x_lo).round() as usize + 1).clamp(2, 12);
    let small = y_lo.abs().max(y_hi.abs()) < 0.01;
    let y_format = move |v: &f64| {
        if small && *v != 0.0 {
            format!("{v:.1e}")
        } else {
            format!("{v:.2}")
        }
    };
    let x_format = |v: &f64| {
        if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (font::FAMILY, 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .label_style((font::FAMILY, 13))
        .x_labels(x_labels)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .axis_desc_style((font::FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    for series in &panel.series {
        let color = PALETTE[series.color % PALETTE.len()];
        let style = color.stroke_width(2);
        let line: Vec<(f64, f64)> = series.points.iter().copied().filter(finite).collect();
        let drawn = if series.dashed {
            chart.draw_series(DashedLineSeries::new(line.clone(), 8, 5, style))
        } else {
            chart.draw_series(LineSeries::new(line.clone(), style))
        }
        .map_err(|e| e.to_string())?;
        let dashed = series.dashed;
        drawn.label(series.label.as_str()).legend(move |(x, y)| {
            let path = vec![(x, y), (x + 24, y)];
            if dashed {
                plotters::element::DashedPathElement::new(path, 5, 3, style).into_dyn()
            } else {
                PathElement::new(path, style).into_dyn()
            }
        });
        // Markers, so a run of one epoch still shows its point.
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .label_font((font::FAMILY, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .position(if panel.legend_low {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        })
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The range of `values` widened by `margin` of its span; a flat range (a constant learning
/// rate, a run of one epoch) by half its value, or by 0.5 around zero.
fn padded(values: impl Iterator<Item = f64>, margin: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= 1e-9 * hi.abs().max(1e-300) {
        let half = if hi.abs() > 0.0 { hi.abs() / 2.0 } else { 0.5 };
        return (lo - half, hi + half);
    }
    let pad = (hi - lo) * margin;
    (lo - pad, hi + pad)
}

pub mod curves {
    //! Training curves: loss, accuracy and learning rate per epoch, for one run or several.

    use std::path::Path;

    use super::{Panel, Series, draw_panels};
    use crate::VizError;

    /// One finished epoch of a run.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct EpochPoint {
        /// Epoch, from 1.
        pub epoch: usize,
        /// Mean training loss.
        pub train_loss: f64,
        /// Mean validation loss.
        pub valid_loss: f64,
        /// Training accuracy in `[0, 1]`.
        pub train_accuracy: f64,
        /// Validation accuracy in `[0, 1]`.
        pub valid_accuracy: f64,
        /// The learning rate at the epoch's last step (NaN when unknown).
        pub learning_rate: f64,
    }

    /// The curves of one run.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RunCurves {
        /// The run's name in legends (its directory's name).
        pub name: String,
        /// Its epochs, in order.
        pub epochs: Vec<EpochPoint>,
    }

    /// Three panels (loss, accuracy, learning rate); per run one colour, training solid and
    /// validation dashed.
    pub fn curve_panels(runs: &[RunCurves]) -> Vec<Panel> {
        let several = runs.len() > 1;
        let label = |run: &RunCurves, what: &str| {
            if several {
                format!("{} {what}", run.name)
            } else {
                what.to_string()
            }
        };
        // One run: training blue, validation orange (dashed); several: a colour per run.
        let series = |f: fn(&EpochPoint) -> f64, what: &str, dashed: bool| {
            runs.iter()
                .enumerate()
                .map(|(i, run)| Series {
                    label: label(run, what),
                    points: run.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect(),
                    color: if several { i } else { usize::from(dashed) },
                    dashed,
                })
                .collect::<Vec<_>>()
        };
        let pair = |train: fn(&EpochPoint) -> f64, valid: fn(&EpochPoint) -> f64| {
            let mut all = series(train, "train", false);
            all.extend(series(valid, "validation", true));
            all
        };
        let panel = |title: &str, y: &str, series, y_range: Option<(f64, f64)>| Panel {
            title: title.into(),
            x_label: "epoch".into(),
            y_label: y.into(),
            series,
            legend_low: y_range.is_some(),
            y_range,
        };
        vec![
            panel(
                "loss",
                "cross-entropy",
                pair(|e| e.train_loss, |e| e.valid_loss),
                None,
            ),
            panel(
                "accuracy",
                "top-1 accuracy",
                pair(|e| e.train_accuracy, |e| e.valid_accuracy),
                Some((0.0, 1.0)),
            ),
            panel(
                "learning rate",
                "learning rate",
                series(|e| e.learning_rate, "learning rate", false),
                None,
            ),
        ]
    }

    /// Draws the runs' curves into a PNG file at `path` (replaced atomically).
    pub fn write_curves(runs: &[RunCurves], path: &Path) -> Result<(), VizError> {
        if runs.iter().all(|r| r.epochs.is_empty()) {
            return Err(VizError::Empty(
                "training curves (no finished epoch)".into(),
            ));
        }
        let image = draw_panels(&curve_panels(runs), (520, 400))?;
        crate::save_png(&image, path)
    }
}

#[cfg(test)]
mod tests {
    use super::curves::*;
    use super::*;

    fn run(name: &str, epochs: usize) -> RunCurves {
        RunCurves {
            name: name.into(),
            epochs: (1..=epochs)
                .map(|e| EpochPoint {
                    epoch: e,
                    train_loss: 2.0 / e as f64,
                    valid_loss: 2.2 / e as f64,
                    train_accuracy: 1.0 - 0.5 / e as f64,
                    valid_accuracy: 1.0 - 0.6 / e as f64,
                    learning_rate: 1e-3,
                })
                .collect(),
        }
    }

    #[test]
    fn curves_are_drawn_into_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curves.png");
        write_curves(&[run("a", 5), run("b", 3)], &path).unwrap();
        let image = image::open(&path).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), (3 * 520, 400));
        // Both runs' colours are on the picture.
        for color in &PALETTE[..2] {
            let found = image
                .pixels()
                .filter(|p| p.0 == [color.0, color.1, color.2])
                .count();
            assert!(found > 50, "{found} pixels of {color:?}");
        }
    }

    #[test]
    fn one_epoch_is_still_a_picture_and_none_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write_curves(&[run("a", 1)], &dir.path().join("one.png")).unwrap();
        assert!(matches!(
            write_curves(&[run("a", 0)], &dir.path().join("none.png")),
            Err(VizError::Empty(_))
        ));
    }

    #[test]
    fn flat_ranges_open_around_their_value() {
        let (lo, hi) = padded([1e-3, 1e-3].into_iter(), 0.05);
        assert!((lo - 5e-4).abs() < 1e-15 && (hi - 1.5e-3).abs() < 1e-15);
        assert_eq!(padded([0.0].into_iter(), 0.05), (-0.5, 0.5));
        assert_eq!(padded(std::iter::empty(), 0.05), (0.0, 1.0));
        let (lo, hi) = padded([1.0, 3.0].into_iter(), 0.05);
        assert!((lo - 0.9).abs() < 1e-12 && (hi - 3.1).abs() < 1e-12);
    }

    #[test]
    fn labels_name_runs_only_when_there_are_several() {
        let one = curve_panels(&[run("a", 2)]);
        assert_eq!(one[0].series[0].label, "train");
        assert_eq!(one[0].series[1].label, "validation");
        let two = curve_panels(&[run("a", 2), run("b", 2)]);
        assert_eq!(two[0].series.len(), 4);
        assert_eq!(two[0].series[1].label, "b train");
        assert_eq!(two[1].y_range, Some((0.0, 1.0)));
    }
}
