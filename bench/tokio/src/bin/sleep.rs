//! N tasks each waiting 100 ms, the talk's first program: wall time and
//! peak memory, for Tokio tasks on a current-thread runtime or a thread each.
//!
//!   sleep tasks|threads N [WAIT_MS]
//!
//! One configuration per process, so that the peak RSS is this row's own.
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use lunch_twins::{cpu_ms, emit, kernel_stack_kib, ms, peak_rss_kib, positional};

fn main() {
    let args = positional();
    let mode = args.get(0).map(String::as_str).unwrap_or("tasks");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let wait = Duration::from_millis(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100));

    // Built before the baseline is read: the runtime is a fixed cost, not a
    // cost per task (the C++ side makes its io_context first too).
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let base = peak_rss_kib();
    let kernel_base = kernel_stack_kib();
    let mut kernel = 0.0;
    let start = Instant::now();
    let cpu = cpu_ms();
    match mode {
        "tasks" => rt.block_on(async {
            let handles: Vec<_> = (0..n).map(|_| tokio::spawn(tokio::time::sleep(wait))).collect();
            for h in handles {
                h.await.unwrap();
            }
        }),
        "threads" => {
            // Every thread waits at the barrier before its 100 ms, as every
            // task waits for block_on: otherwise the first of 10,000 threads
            // would end before the last began (see bench_workloads.cpp).
            let go = Arc::new(Barrier::new(n + 1));
            let handles: Vec<_> = (0..n)
                .map(|_| {
                    let go = go.clone();
                    std::thread::spawn(move || {
                        go.wait();
                        std::thread::sleep(wait)
                    })
                })
                .collect();
            kernel = kernel_stack_kib() - kernel_base; // all of them alive
            go.wait();
            for h in handles {
                h.join().unwrap();
            }
        }
        other => {
            eprintln!("sleep: unknown mode {other} (tasks or threads)");
            std::process::exit(2);
        }
    }
    let wall = ms(start.elapsed());
    emit(&format!("sleep.{mode}.{n}.wall_ms"), wall, "ms");
    emit(&format!("sleep.{mode}.{n}.cpu_ms"), cpu_ms() - cpu, "ms");
    emit(&format!("sleep.{mode}.{n}.rss_kib"), peak_rss_kib() - base, "KiB");
    emit(&format!("sleep.{mode}.{n}.kernel_kib"), f64::max(kernel, 0.0), "KiB");
}
