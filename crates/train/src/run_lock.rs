//! One writer per run directory: an advisory lock on `<run>/.lock`, held while a process trains
//! into the run and released by the operating system when that process exits, crashes or is
//! killed.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{Result, TrainError};

/// The lock file's name inside a run directory. It holds the writer's process id.
pub const LOCK_FILE: &str = ".lock";

/// The right to write a run directory, for as long as this value lives.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes run directory `dir` for this process, or fails with one line naming the process
    /// that holds it.
    pub fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                TrainError::io(
                    format!("{}: cannot open the run's lock file", path.display()),
                    e,
                )
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut owner = String::new();
                let _ = file.read_to_string(&mut owner);
                let owner = match owner.trim() {
                    "" => "a process".to_string(),
                    pid => format!("process {pid}"),
                };
                return Err(TrainError::Locked {
                    dir: dir.to_path_buf(),
                    owner,
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(TrainError::io(
                    format!("{}: cannot lock", path.display()),
                    e,
                ));
            }
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| write!(file, "{}", std::process::id()))
            .and_then(|()| file.flush())
            .map_err(|e| TrainError::io(format!("{}: cannot write", path.display()), e))?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        // Another open file description of the same lock file: as another process would see it.
        let err = RunLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("is training into this run"), "{err}");
        drop(first);
        let again = RunLock::acquire(dir.path()).unwrap();
        drop(again);
    }
}
