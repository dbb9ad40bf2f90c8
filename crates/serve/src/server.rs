//! Listening: bind, print the URL, serve until Ctrl-C (or SIGTERM), then finish the requests in
//! flight and stop.

use std::net::SocketAddr;

use zoo_core::ImageClassifier;

use crate::{ServeError, ServeOptions, ServedModel, router};

/// Serves `served` as `options` say until Ctrl-C; prints `serving <title> at http://...` (with
/// the port the system chose for `--port 0`) once it listens.
pub fn serve<M: ImageClassifier>(
    served: ServedModel<M>,
    options: &ServeOptions,
) -> Result<(), ServeError> {
    let title = served.title.clone();
    let app = router(served, options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("zoo-serve-io")
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async {
        let addr = SocketAddr::new(options.host, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|error| ServeError::Bind { addr, error })?;
        let local = listener.local_addr()?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            local.ip().to_string()
        };
        println!(
            "serving {title} at http://{host}:{}/ (Ctrl-C stops)",
            local.port()
        );
        if !local.ip().is_loopback() {
            println!("note: listening on {local}: other machines on the network can use it");
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(stop_signal())
            .await?;
        println!("stopped");
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    let ctrl_c = async {
        // Without a handler the default action (exit) stays, which is still a stop.
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
