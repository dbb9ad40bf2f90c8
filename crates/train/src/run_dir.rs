//! The run directory: created, writable, and not overwriting another run.

use std::path::Path;

use anyhow::{Context, bail};

/// Checks that `dir` can hold a run: created if missing, writable, and (unless resuming) not
/// already holding one.
pub fn prepare_artifact_dir(dir: &Path, resume: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the artifact directory", dir.display()))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("{}: artifact directory is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    let has_run = dir.join(crate::config::CONFIG_FILE).exists();
    if !resume && has_run {
        bail!(
            "{} already holds a run: continue it with --resume, or choose another --artifact-dir",
            dir.display()
        );
    }
    if resume && !has_run {
        bail!(
            "{}: nothing to resume (no config.json); start a run without --resume",
            dir.display()
        );
    }
    Ok(())
}
