//! `metrics.csv`: one row per finished epoch, written with the `csv` crate from [`EpochRow`]'s
//! field names, appended as epochs end and read back for the best epoch and on resume.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// One row of `metrics.csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochRow {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Validation accuracy.
    pub valid_accuracy: f64,
    /// Training images per second.
    pub train_images_per_second: f64,
    /// Wall time of the epoch in seconds (training and validation).
    pub seconds: f64,
    /// The learning rate of the epoch's last step (NaN in files written before it was kept).
    #[serde(default = "unknown")]
    pub learning_rate: f64,
}

fn unknown() -> f64 {
    f64::NAN
}

/// Appends `row` to the file at `path` (with the header when the file is new) and syncs it.
pub fn append_row(path: &Path, row: &EpochRow) -> Result<()> {
    let new = !path.exists();
    let writing = || format!("writing {}", path.display());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| TrainError::io(format!("opening {}", path.display()), e))?;
    let mut writer = csv::WriterBuilder::new()
        .has_headers(new)
        .from_writer(&file);
    writer
        .serialize(row)
        .and_then(|()| writer.flush().map_err(csv::Error::from))
        .map_err(|error| TrainError::Csv {
            context: writing(),
            error,
        })?;
    drop(writer);
    file.sync_data().map_err(|e| TrainError::io(writing(), e))
}

/// Replaces the file at `path` with `rows`, atomically.
pub fn write_rows(path: &Path, rows: &[EpochRow]) -> Result<()> {
    let writing = || format!("writing {}", path.display());
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|error| TrainError::Csv {
            context: writing(),
            error,
        })?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| TrainError::io(writing(), e.into_error()))?;
    // A file without rows keeps its header.
    let bytes = if rows.is_empty() {
        HEADER.as_bytes().to_vec()
    } else {
        bytes
    };
    zoo_core::write_atomic(path, &bytes).map_err(|e| TrainError::io(writing(), e))
}

/// The header line, as `csv` writes it from [`EpochRow`]'s fields.
const HEADER: &str = "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,train_images_per_second,seconds,learning_rate\n";

/// Reads the rows of the file at `path`.
pub fn read_metrics(path: &Path) -> Result<Vec<EpochRow>> {
    csv::Reader::from_path(path)
        .map_err(|error| TrainError::Csv {
            context: format!("reading {}", path.display()),
            error,
        })?
        .deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|error| TrainError::Csv {
                context: format!("{}: bad row {}", path.display(), i + 1),
                error,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(epoch: usize) -> EpochRow {
        EpochRow {
            epoch,
            train_loss: 1.0 / epoch as f64,
            train_accuracy: 0.5,
            valid_loss: 0.75,
            valid_accuracy: 0.625,
            train_images_per_second: 1234.5,
            seconds: 3.25,
            learning_rate: 1e-3,
        }
    }

    #[test]
    fn rows_append_truncate_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        for epoch in 1..=3 {
            append_row(&path, &row(epoch)).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next().unwrap(), HEADER.trim_end());
        assert_eq!(text.lines().count(), 4);
        assert_eq!(read_metrics(&path).unwrap(), vec![row(1), row(2), row(3)]);
        write_rows(&path, &[row(1)]).unwrap();
        assert_eq!(read_metrics(&path).unwrap(), vec![row(1)]);
        write_rows(&path, &[]).unwrap();
        assert_eq!(read_metrics(&path).unwrap(), vec![]);
    }

    #[test]
    fn files_written_before_the_csv_crate_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        // Seven columns: written before the learning rate was kept.
        std::fs::write(
            &path,
            "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,train_images_per_second,seconds\n\
             1,1.765571,0.366250,1.094848,0.587500,7.3,264.5\n",
        )
        .unwrap();
        let rows = read_metrics(&path).unwrap();
        assert_eq!(rows[0].epoch, 1);
        assert_eq!(rows[0].valid_accuracy, 0.5875);
        assert!(rows[0].learning_rate.is_nan());
        // Rewritten (as a resumed run does), the file gains the column.
        write_rows(&path, &rows).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
            HEADER.trim_end()
        );
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        std::fs::write(&path, format!("{HEADER}1,x,0,0,0,0,0,0\n")).unwrap();
        let err = format!("{:#}", read_metrics(&path).unwrap_err());
        assert!(err.contains("metrics.csv: bad row 1"), "{err}");
    }
}
