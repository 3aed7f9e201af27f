//! A heartbeat's lateness while a CPU job runs: inline on the runtime's only
//! thread, handed to spawn_blocking, or handed to rayon with a oneshot back.
//!
//!   heartbeat [--quick]
//!
//! The heartbeat wants to wake every PERIOD; each wake-up's lateness is how
//! long after its due time it ran. Figures: worst and p99, in ms.
use std::time::Duration;

use lunch_twins::{emit, keep, ms, percentile, quick};
use tokio::sync::oneshot;

const PERIOD: Duration = Duration::from_millis(5);

/// The CPU job: a chain of multiply-xorshift steps, each depending on the
/// last, so nothing can skip or vectorise it. The C++ side runs the same.
fn crunch(steps: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..steps {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        x ^= x >> 33;
    }
    x
}

async fn heartbeat(stop: tokio::sync::watch::Receiver<bool>) -> Vec<f64> {
    let mut late = Vec::new();
    while !*stop.borrow() {
        let due = tokio::time::Instant::now() + PERIOD;
        tokio::time::sleep_until(due).await;
        late.push(ms(tokio::time::Instant::now() - due));
    }
    late
}

fn main() {
    let steps: u64 = if quick() { 40_000_000 } else { 400_000_000 };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for mode in ["inline", "offloaded", "rayon"] {
        let late = rt.block_on(async {
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            let beat = tokio::spawn(heartbeat(stop_rx));
            tokio::task::yield_now().await; // the heartbeat is waiting before the job starts
            let result = match mode {
                // Wrong on purpose: the job holds the runtime's only thread.
                "inline" => crunch(steps),
                "offloaded" => tokio::task::spawn_blocking(move || crunch(steps)).await.unwrap(),
                _ => {
                    let (tx, rx) = oneshot::channel();
                    rayon::spawn(move || {
                        let _ = tx.send(crunch(steps));
                    });
                    rx.await.unwrap()
                }
            };
            keep(result);
            stop_tx.send(true).unwrap();
            beat.await.unwrap()
        });
        emit(&format!("heartbeat.{mode}.worst_ms"), late.iter().cloned().fold(0.0, f64::max), "ms");
        emit(&format!("heartbeat.{mode}.p99_ms"), percentile(&late, 99.0), "ms");
    }
}
