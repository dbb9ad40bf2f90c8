//! Default run directories: `runs/<model>-<dataset>-<UTC date and time>`, never an existing one.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYYMMDD-HHMMSS` (UTC) of a Unix time.
pub fn timestamp(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let secs = unix_seconds % 86_400;
    // Howard Hinnant's days-to-civil conversion.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A new run directory under `runs/`.
pub fn default_run_dir(model: &str, dataset: &str) -> PathBuf {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let base = PathBuf::from("runs").join(format!("{model}-{dataset}-{}", timestamp(now)));
    let mut dir = base.clone();
    let mut n = 2;
    while dir.exists() {
        dir = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    dir
}

/// The newest `runs/<model>-*` directory that holds a run (names end in their date).
pub fn latest_run(model: &str) -> anyhow::Result<PathBuf> {
    let prefix = format!("{model}-");
    let mut runs: Vec<PathBuf> = std::fs::read_dir("runs")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .filter(|p| p.join("config.json").is_file())
        .collect();
    runs.sort_by_key(|p| {
        std::fs::metadata(p.join("config.json"))
            .and_then(|m| m.modified())
            .ok()
    });
    runs.pop().ok_or_else(|| {
        anyhow::anyhow!("no {model} run under runs/: train one first, or give --run DIR")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "19700101-000000");
        assert_eq!(timestamp(951_782_400), "20000229-000000");
        assert_eq!(timestamp(1_795_938_600), "20261129-075000");
    }
}
