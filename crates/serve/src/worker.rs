//! The model's own thread: it owns the model, decodes uploads and runs forward passes one at a
//! time, so the async threads only move bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use axum::body::Bytes;
use axum::http::StatusCode;
use tokio::sync::{mpsc, oneshot};
use zoo_core::ImageClassifier;
use zoo_train::TrainError;

use crate::analysis::{Analysis, ClassProbability, Shift};
use crate::decode::decode_upload;
use crate::{ApiError, ServedModel};

/// Requests waiting for the model beyond the one it runs; senders wait for room.
const QUEUE: usize = 64;

/// Where an answer goes.
type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// What the model is asked, with where its answer goes.
enum Task {
    /// The `k` most probable classes.
    Predict {
        k: usize,
        reply: Reply<Vec<ClassProbability>>,
    },
    /// The top-5, feature maps and block similarities.
    Analyze { reply: Reply<Analysis> },
}

struct Job {
    upload: Bytes,
    shift: Shift,
    task: Task,
}

/// A handle to the model's thread; the thread ends when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Moves `served` onto a thread of its own.
    pub(crate) fn start<M: ImageClassifier>(served: ServedModel<M>) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        std::thread::Builder::new()
            .name("zoo-serve-model".into())
            .spawn(move || {
                while let Some(Job {
                    upload,
                    shift,
                    task,
                }) = queue.blocking_recv()
                {
                    // The client may have gone; nothing to do then.
                    match task {
                        Task::Predict { k, reply } => {
                            let _ = reply.send(guarded(|| {
                                let pixels = decode_upload(&upload, served.stored_shape)?;
                                served.predict(&pixels, shift, k).map_err(internal)
                            }));
                        }
                        Task::Analyze { reply } => {
                            let _ = reply.send(guarded(|| {
                                let pixels = decode_upload(&upload, served.stored_shape)?;
                                served.analyze(&pixels, shift).map_err(internal)
                            }));
                        }
                    }
                }
            })
            .expect("spawning the model thread");
        Self { jobs }
    }

    /// The `k` most probable classes of `upload` shifted by `shift`.
    pub(crate) async fn predict(
        &self,
        upload: Bytes,
        shift: Shift,
        k: usize,
    ) -> Result<Vec<ClassProbability>, ApiError> {
        self.ask(upload, shift, |reply| Task::Predict { k, reply })
            .await
    }

    /// The analysis of `upload` shifted by `shift`.
    pub(crate) async fn analyze(&self, upload: Bytes, shift: Shift) -> Result<Analysis, ApiError> {
        self.ask(upload, shift, |reply| Task::Analyze { reply })
            .await
    }

    /// Queues a task and waits for its answer.
    async fn ask<T>(
        &self,
        upload: Bytes,
        shift: Shift,
        task: impl FnOnce(Reply<T>) -> Task,
    ) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the model thread has stopped",
            )
        };
        self.jobs
            .send(Job {
                upload,
                shift,
                task: task(reply),
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Runs `work`, turning a panic into a 500 (the thread goes on with the next request).
fn guarded<T>(work: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(ApiError::internal(
            "the model failed on this input (see the server's log)",
        ))
    })
}

fn internal(e: TrainError) -> ApiError {
    ApiError::internal(e.to_string())
}
