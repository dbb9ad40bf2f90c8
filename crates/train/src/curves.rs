//! `curves.png`: a run's training curves, redrawn from `metrics.csv` after every epoch (so it
//! can be opened while the run trains), and the overlay of several runs for `plot`.

use std::path::{Path, PathBuf};

use zoo_viz::chart::curves::{EpochPoint, RunCurves, write_curves};

use crate::error::{Result, TrainError};
use crate::metrics_csv::{EpochRow, read_metrics};
use crate::train::METRICS_CSV;

/// The curves picture in a run's directory.
pub const CURVES_PNG: &str = "curves.png";

/// A run's rows as curves named after its directory.
pub fn run_curves(name: &str, rows: &[EpochRow]) -> RunCurves {
    RunCurves {
        name: name.to_string(),
        epochs: rows
            .iter()
            .map(|r| EpochPoint {
                epoch: r.epoch,
                train_loss: r.train_loss,
                valid_loss: r.valid_loss,
                train_accuracy: r.train_accuracy,
                valid_accuracy: r.valid_accuracy,
                learning_rate: r.learning_rate,
            })
            .collect(),
    }
}

/// The name a run goes by in legends: its directory's last component.
pub fn run_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// Redraws `<run>/curves.png` from `<run>/metrics.csv`.
pub fn redraw(dir: &Path) -> Result<PathBuf> {
    let rows = read_metrics(&dir.join(METRICS_CSV))?;
    let path = dir.join(CURVES_PNG);
    write_curves(&[run_curves(&run_name(dir), &rows)], &path)?;
    Ok(path)
}

/// Overlays the curves of the runs in `dirs` (each must have a `metrics.csv` with at least
/// one epoch) into the PNG file `out`.
pub fn plot_runs(dirs: &[PathBuf], out: &Path) -> Result<()> {
    let runs = dirs
        .iter()
        .map(|dir| {
            let csv = dir.join(METRICS_CSV);
            if !csv.is_file() {
                return Err(TrainError::run_dir(
                    dir,
                    format!("no {METRICS_CSV} (not a run directory, or no epoch finished yet)"),
                ));
            }
            let rows = read_metrics(&csv)?;
            if rows.is_empty() {
                return Err(TrainError::run_dir(&csv, "no epoch finished yet"));
            }
            Ok(run_curves(&run_name(dir), &rows))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(write_curves(&runs, out)?)
}
