//! The command line every CNN-zoo model binary shares: `train`, `eval`, `predict`, `summary`,
//! `bench`, `visualize`, `probe`, `plot`, `import`, `export`, `serve`.
//!
//! A binary describes its model with [`ModelFamily`](zoo_train::ModelFamily) and calls
//! [`run`]; the backend is the cargo feature the binary was built with (`flex` by default,
//! `--features wgpu` for GPUs), or `--backend` among those compiled in.

mod allocator;
mod args;
mod commands;
mod inspect;
mod runs;
mod serve;
mod weights;

use std::process::ExitCode;

pub use anyhow;
pub use clap;
use clap::{CommandFactory, FromArgMatches};
pub use zoo_datasets;
pub use zoo_train;
use zoo_train::ModelFamily;

pub use allocator::{Allocator, keep_freed_memory};
pub use args::{
    BenchArgs, Cli, Command, EvalArgs, ExportArgs, Kernels, PredictArgs, ServeArgs, SummaryArgs,
    TrainArgs,
};
pub use weights::{report_import, weights_cache_dir};

/// Parses the command line and runs the command for model family `F`.
///
/// Errors are printed as one line (`error: ...`) with exit code 1; bad arguments exit with 2
/// and clap's message.
pub fn run<F: ModelFamily>() -> ExitCode {
    keep_freed_memory();
    let matches = Cli::<F::Args>::command()
        .name(F::NAME)
        .bin_name(F::NAME)
        .get_matches();
    let conflicts = args::resume_conflicts(&matches);
    if !conflicts.is_empty() {
        eprintln!(
            "error: --resume continues the run as its config.json says; {} cannot change there (only --epochs can): start a new run to change {}",
            conflicts.join(", "),
            if conflicts.len() == 1 { "it" } else { "them" }
        );
        return ExitCode::FAILURE;
    }
    let cli = match Cli::<F::Args>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match commands::execute::<F>(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes as one line: `outer: cause: cause`. The zoo's own errors write
/// their cause into their message and do not return it again as a `source`.
fn one_line(err: &anyhow::Error) -> String {
    err.chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = || std::io::Error::from(std::io::ErrorKind::IsADirectory);
        // zoo-core's error writes its cause into its message.
        let weights = zoo_core::WeightsError::Io {
            path: "run/model-best.bpk".into(),
            error: io(),
        };
        assert_eq!(
            one_line(&anyhow::Error::new(weights)),
            "run/model-best.bpk: is a directory"
        );
        let data = zoo_datasets::DatasetError::Io {
            path: "data/train-images-idx3-ubyte.gz".into(),
            error: io(),
        };
        assert_eq!(
            one_line(&anyhow::Error::new(data)),
            "data/train-images-idx3-ubyte.gz: is a directory"
        );
        // Context added around an error keeps both.
        let err = anyhow::Error::new(io()).context("reading run/config.json");
        assert_eq!(one_line(&err), "reading run/config.json: is a directory");
    }
}
