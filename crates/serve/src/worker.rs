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

/// What the model is asked.
pub(crate) enum Task {
    /// The `k` most probable classes.
    Predict { k: usize },
    /// The top-5, feature maps and block similarities.
    Analyze,
}

/// What it answers.
pub(crate) enum Answer {
    Top(Vec<ClassProbability>),
    Analysis(Box<Analysis>),
}

struct Job {
    upload: Bytes,
    shift: Shift,
    task: Task,
    reply: oneshot::Sender<Result<Answer, ApiError>>,
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
                while let Some(job) = queue.blocking_recv() {
                    let answer = catch_unwind(AssertUnwindSafe(|| {
                        run(&served, &job.upload, job.shift, &job.task)
                    }))
                    .unwrap_or_else(|_| {
                        Err(ApiError::internal(
                            "the model failed on this input (see the server's log)",
                        ))
                    });
                    // The client may have gone; nothing to do then.
                    let _ = job.reply.send(answer);
                }
            })
            .expect("spawning the model thread");
        Self { jobs }
    }

    /// Runs `task` on `upload` shifted by `shift` and waits for the answer.
    pub(crate) async fn ask(
        &self,
        upload: Bytes,
        shift: Shift,
        task: Task,
    ) -> Result<Answer, ApiError> {
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
                task,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn run<M: ImageClassifier>(
    served: &ServedModel<M>,
    upload: &[u8],
    shift: Shift,
    task: &Task,
) -> Result<Answer, ApiError> {
    let pixels = decode_upload(upload, served.stored_shape)?;
    let internal = |e: TrainError| ApiError::internal(e.to_string());
    Ok(match task {
        Task::Predict { k } => Answer::Top(served.predict(&pixels, shift, *k).map_err(internal)?),
        Task::Analyze => {
            Answer::Analysis(Box::new(served.analyze(&pixels, shift).map_err(internal)?))
        }
    })
}
