//! What one operation costs, in nanoseconds: Tokio's side of bench_ops.cpp.
//!
//!   ops [--quick]
//!
//! Every figure runs its operation in batches on a runtime built once, and
//! reports the median of five rounds (lunch_twins::ns_per_op), in CPU time
//! of this thread, except across threads (wall time): as bench_ops.cpp.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use lunch_twins::{emit, keep, ns_per_op, quick, Clock};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{mpsc, Semaphore};

const BATCH: u64 = 10_000;
// Tasks that share one permit or one lock in the contended figures.
const CONTENDERS: u64 = 8;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn main() {
    let budget = Duration::from_millis(if quick() { 10 } else { 200 });
    let rt = current_thread();
    let ns = |name: &str, v: f64| emit(&format!("ops.{name}.ns"), v, "ns");

    // The floor: an uncontended lock and unlock of the standard mutex.
    let m = Mutex::new(0u64);
    ns("floor_mutex", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        for _ in 0..BATCH {
            *keep(&m).lock().unwrap() += 1;
        }
    }));

    // tokio::spawn, run to the end, and the JoinHandle awaited.
    ns("spawn", ns_per_op(budget, 1000, Clock::ThreadCpu, || {
        rt.block_on(async {
            let handles: Vec<_> = (0..1000).map(|i| tokio::spawn(async move { i })).collect();
            for h in handles {
                keep(h.await.unwrap());
            }
        })
    }));

    // A bounded channel, producer and consumer tasks on the same thread.
    ns("channel_local", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u64>(64);
            tokio::spawn(async move {
                for i in 0..BATCH {
                    tx.send(i).await.unwrap();
                }
            });
            while let Some(v) = rx.recv().await {
                keep(v);
            }
        })
    }));

    // The same across threads: the producer on a runtime of its own thread.
    ns("channel_cross", ns_per_op(budget, BATCH, Clock::Wall, || {
        let (tx, mut rx) = mpsc::channel::<u64>(64);
        let producer = std::thread::spawn(move || {
            current_thread().block_on(async move {
                for i in 0..BATCH {
                    tx.send(i).await.unwrap();
                }
            })
        });
        rt.block_on(async {
            while let Some(v) = rx.recv().await {
                keep(v);
            }
        });
        producer.join().unwrap();
    }));

    // tokio::sync::Semaphore with one permit: acquire and release, nobody else.
    let sem = Arc::new(Semaphore::new(1));
    ns("semaphore_uncontended", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            for _ in 0..BATCH {
                drop(sem.acquire().await.unwrap());
            }
        })
    }));
    // Eight tasks want the one permit; the holder yields while it holds it,
    // so the others queue up and every acquire is a hand-over.
    ns("semaphore_contended", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            let per_task = BATCH / CONTENDERS;
            let tasks: Vec<_> = (0..CONTENDERS)
                .map(|_| {
                    let sem = sem.clone();
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            let _permit = sem.acquire().await.unwrap();
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    }));

    // tokio::sync::Mutex, the same two ways.
    let lock = Arc::new(tokio::sync::Mutex::new(0u64));
    ns("mutex_uncontended", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            for _ in 0..BATCH {
                *lock.lock().await += 1;
            }
        })
    }));
    ns("mutex_contended", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            let per_task = BATCH / CONTENDERS;
            let tasks: Vec<_> = (0..CONTENDERS)
                .map(|_| {
                    let lock = lock.clone();
                    tokio::spawn(async move {
                        for _ in 0..per_task {
                            let mut g = lock.lock().await;
                            tokio::task::yield_now().await;
                            *g += 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })
    }));

    // Tokio has no strand. Its way to run closures one at a time, in order,
    // is a task that owns the state and takes work from a channel (an actor):
    // that is the figure next to Asio's strand post.
    ns("strand_post", ns_per_op(budget, BATCH, Clock::ThreadCpu, || {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel::<Box<dyn FnOnce(&mut u64) + Send>>();
            let actor = tokio::spawn(async move {
                let mut state = 0u64;
                while let Some(job) = rx.recv().await {
                    job(&mut state);
                }
                state
            });
            for _ in 0..BATCH {
                tx.send(Box::new(|s: &mut u64| *s += 1)).ok();
            }
            drop(tx);
            keep(actor.await.unwrap());
        })
    }));

    // Joining n futures: futures::join_all (input order) and
    // FuturesUnordered (completion order), per future.
    for n in [10u64, 100, 1_000, 10_000, 100_000] {
        let per_call = n.max(1);
        emit(&format!("join.join_all.{n}.ns"), ns_per_op(budget, per_call, Clock::ThreadCpu, || {
            rt.block_on(async {
                let all = futures::future::join_all((0..n).map(|i| async move { i })).await;
                keep(all);
            })
        }), "ns");
        emit(&format!("join.unordered.{n}.ns"), ns_per_op(budget, per_call, Clock::ThreadCpu, || {
            rt.block_on(async {
                let set: FuturesUnordered<_> = (0..n).map(|i| async move { i }).collect();
                let all: Vec<u64> = set.collect().await;
                keep(all);
            })
        }), "ns");
    }
}
