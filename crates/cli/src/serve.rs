//! `serve`: the web page of a trained run (crate zoo-serve).

use zoo_serve::{ServeOptions, ServedModel};
use zoo_train::curves::run_name;
use zoo_train::{Backend, ModelFamily};

use crate::args::ServeArgs;
use crate::commands::run_model;

pub(crate) fn serve<F: ModelFamily>(
    args: ServeArgs,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let (run, config, model, device) = run_model::<F>(args.run, args.weights.file(), backend)?;
    let served = ServedModel::from_run(model, &config, run_name(&run), device);
    let options = ServeOptions {
        host: args.host,
        port: args.port,
        max_upload_bytes: args.max_upload_mb.saturating_mul(zoo_serve::MIB),
        map_cache_bytes: args.map_cache_mb.saturating_mul(zoo_serve::MIB),
        ..ServeOptions::default()
    };
    zoo_serve::serve(served, &options)?;
    Ok(())
}
