//! The run directory: created, writable, and not overwriting another run.

use std::path::Path;

use crate::error::{Result, TrainError};

/// Checks that `dir` can hold a run: created if missing, writable, and (unless resuming) not
/// already holding one.
pub fn prepare_artifact_dir(dir: &Path, resume: bool) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        TrainError::io(
            format!("{}: cannot create the artifact directory", dir.display()),
            e,
        )
    })?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"").map_err(|e| {
        TrainError::io(
            format!("{}: artifact directory is not writable", dir.display()),
            e,
        )
    })?;
    let _ = std::fs::remove_file(probe);
    let has_run = dir.join(crate::config::CONFIG_FILE).exists();
    if !resume && has_run {
        return Err(TrainError::run_dir(
            dir,
            "already holds a run: continue it with --resume, or choose another --artifact-dir",
        ));
    }
    if resume && !has_run {
        return Err(TrainError::run_dir(
            dir,
            "nothing to resume (no config.json); start a run without --resume",
        ));
    }
    Ok(())
}
