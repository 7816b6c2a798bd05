//! A few threads of their own for slow CPU work (argon2 checks, RSA decryptions), at
//! a lower priority than the web workers, so that a flood of such work takes the
//! cores only while pages do not need them. Each thread keeps a state of its own
//! from one job to the next (argon2's working memory, say). The queue in front of
//! the threads may be bounded: then work that finds it full is refused at once,
//! before anything is done, instead of waiting behind everyone else's.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use anyhow::Context;

use crate::error::AppError;

/// How much lower than the web workers the threads run (nice 10).
const NICENESS: i32 = 10;

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// The queue held as many jobs as it may: the work was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the workers' queue is full")]
pub struct Busy;

/// Threads that run jobs in the order they came; they end when the last clone is
/// dropped.
pub struct Workers<S> {
    jobs: mpsc::Sender<Job<S>>,
    /// Jobs queued and not yet started.
    waiting: Arc<AtomicUsize>,
    /// The most jobs that may wait; `usize::MAX` for no bound.
    queue_limit: usize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl<S> Clone for Workers<S> {
    fn clone(&self) -> Self {
        Workers {
            jobs: self.jobs.clone(),
            waiting: Arc::clone(&self.waiting),
            queue_limit: self.queue_limit,
            running: Arc::clone(&self.running),
            peak: Arc::clone(&self.peak),
            finished: Arc::clone(&self.finished),
        }
    }
}

impl<S: 'static> Workers<S> {
    /// Starts `threads` threads named `name-<n>`, each with the state `state()`
    /// makes; at most `queue_limit` jobs wait for them (`None`: no bound).
    pub fn start(name: &str, threads: usize, queue_limit: Option<usize>, state: fn() -> S) -> Self {
        let (sender, receiver) = mpsc::channel::<Job<S>>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let started = std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    // Best effort: where it is not allowed, the work runs at the
                    // workers' priority.
                    let _ = rustix::process::setpriority_process(
                        Some(rustix::thread::gettid()),
                        NICENESS,
                    );
                    let mut kept = state();
                    loop {
                        let job = receiver
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(&mut kept),
                            Err(mpsc::RecvError) => break,
                        }
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, thread = name, "could not start a worker thread");
            }
        }
        Workers {
            jobs: sender,
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_limit: queue_limit.unwrap_or(usize::MAX),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
            finished: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many jobs have run to the end.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }

    /// The most jobs that ever ran at the same time.
    pub fn peak_concurrency(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Queues `work`, or refuses it at once with [`Busy`] when the queue is full;
    /// the future answers when a thread has run it.
    pub fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut S) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<impl Future<Output = Result<T, AppError>>, Busy> {
        let limit = self.queue_limit;
        self.waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| Busy)?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        let (waiting, running, peak, finished) = (
            Arc::clone(&self.waiting),
            Arc::clone(&self.running),
            Arc::clone(&self.peak),
            Arc::clone(&self.finished),
        );
        let job: Job<S> = Box::new(move |kept| {
            waiting.fetch_sub(1, Ordering::SeqCst);
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let result = work(kept);
            running.fetch_sub(1, Ordering::SeqCst);
            finished.fetch_add(1, Ordering::SeqCst);
            // The request may have gone away meanwhile; nobody is left to tell.
            let _ = answer.send(result);
        });
        let sent = self.jobs.send(job).map_err(|_| {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        });
        Ok(async move {
            sent.map_err(|()| anyhow::anyhow!("the worker threads have stopped"))?;
            Ok(answered
                .await
                .context("a worker thread stopped before it answered")??)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_full_queue_refuses_at_once_and_takes_work_again_once_drained() {
        let workers = Workers::start("test", 1, Some(2), || ());
        let (release, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let blocker = |wait: Arc<Mutex<mpsc::Receiver<()>>>| {
            move |_: &mut ()| {
                let _ = wait.lock().unwrap().recv();
                Ok(())
            }
        };
        // One job runs (blocked), then two wait: the queue is full.
        let mut queued = vec![workers.submit(blocker(Arc::clone(&wait))).unwrap()];
        while workers.peak_concurrency() == 0 {
            std::thread::yield_now();
        }
        for _ in 0..2 {
            queued.push(workers.submit(blocker(Arc::clone(&wait))).unwrap());
        }
        assert_eq!(workers.submit(|_| Ok(1)).err(), Some(Busy));
        for _ in 0..queued.len() {
            release.send(()).unwrap();
        }
        for job in queued {
            job.await.unwrap();
        }
        assert_eq!(workers.submit(|_| Ok(7)).unwrap().await.unwrap(), 7);
        assert_eq!(workers.peak_concurrency(), 1);
    }

    #[actix_web::test]
    async fn each_thread_keeps_its_state_from_one_job_to_the_next() {
        let workers = Workers::start("test", 1, None, Vec::<u8>::new);
        for n in 1..=3 {
            let len = workers
                .submit(move |kept: &mut Vec<u8>| {
                    kept.push(n);
                    Ok(kept.len())
                })
                .unwrap()
                .await
                .unwrap();
            assert_eq!(len, usize::from(n));
        }
    }
}
