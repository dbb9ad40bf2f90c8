//! Default run directories: `runs/<model>-<dataset>-<UTC date and time>`, never an existing one.

use std::path::PathBuf;

/// `YYYYMMDD-HHMMSS` (UTC) of a Unix time, in seconds (jiff's calendar).
pub fn timestamp(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%d-%H%M%S")
        .to_string()
}

/// A new run directory under `runs/`.
pub fn default_run_dir(model: &str, dataset: &str) -> PathBuf {
    let now = jiff::Timestamp::now().as_second();
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
