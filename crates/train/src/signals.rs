//! Ctrl-C and SIGTERM during training: the first one stops the run after the current step
//! (nothing of the unfinished epoch is written, the last complete checkpoint stays the one to
//! resume from); a second one ends the process at once, as it would without this.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use burn::train::Interrupter;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::{SigId, flag};

/// Stops `interrupter` on SIGINT or SIGTERM while this value lives.
#[derive(Debug)]
pub struct StopOnSignal {
    ids: Vec<SigId>,
    done: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl StopOnSignal {
    /// Watches for SIGINT and SIGTERM; the first stops `interrupter` with the signal's name as the
    /// reason, a second terminates the process with the signal's default action.
    pub fn install(interrupter: Interrupter) -> std::io::Result<Self> {
        let received = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for signal in [SIGINT, SIGTERM] {
            // Registered first, so it runs before the flag below is set by this signal: the
            // second signal finds the flag set and takes the default action.
            ids.push(flag::register_conditional_default(signal, stop.clone())?);
            ids.push(flag::register(signal, stop.clone())?);
            ids.push(flag::register_usize(
                signal,
                received.clone(),
                signal as usize,
            )?);
        }
        let done = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (done, received) = (done.clone(), received.clone());
            std::thread::Builder::new()
                .name("stop-on-signal".into())
                .spawn(move || {
                    while !done.load(Ordering::Relaxed) {
                        let signal = received.load(Ordering::Relaxed);
                        if signal != 0 {
                            let name = if signal == SIGINT as usize {
                                "SIGINT"
                            } else {
                                "SIGTERM"
                            };
                            eprintln!(
                                "{name}: stopping after this step (again to stop at once); nothing of the unfinished epoch is kept"
                            );
                            interrupter.stop(Some(name));
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                })?
        };
        Ok(Self {
            ids,
            done,
            watcher: Some(watcher),
        })
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        // Unregistering leaves signal-hook's handler in place, which would ignore the signals
        // from now on: end the process on them, as before training.
        let always = Arc::new(AtomicBool::new(true));
        for signal in [SIGINT, SIGTERM] {
            let _ = flag::register_conditional_default(signal, always.clone());
        }
    }
}
