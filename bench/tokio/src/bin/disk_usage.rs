//! `du -sb TREE` written the way a Tokio user writes it: tokio::fs::read_dir
//! and tokio::fs::symlink_metadata (links are never followed), one task per
//! directory in a JoinSet, at most K directories being read at once (a
//! Semaphore). Every read_dir batch and every symlink_metadata call is a trip
//! to the blocking pool: the per-call hop of tokio#3664, which the course's
//! disk_usage avoids by reading a whole directory per trip.
//!
//!   disk_usage TREE [--quick]
//!
//! TREE is the tree bench_workloads disk_usage generated (bench/run.py passes
//! the same path to both), so both sides walk the same files. Figures: the
//! best of five walks (one with --quick) after one untimed walk, in ms; the
//! bytes counted, which must equal du -sb's.
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use lunch_twins::{emit, ms, positional, quick};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The course's K (bench_workloads uses the same).
const MAX_IN_FLIGHT: usize = 4;

/// One directory: the sizes of its entries (subdirectories included: their
/// own size is counted here, their contents when they are read), and the
/// subdirectories to read next.
async fn read_one(dir: PathBuf, permits: Arc<Semaphore>) -> std::io::Result<(u64, Vec<PathBuf>)> {
    let _permit = permits.acquire_owned().await.expect("semaphore closed");
    let mut bytes = 0u64;
    let mut subdirs = Vec::new();
    let mut entries = tokio::fs::read_dir(&dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let path = entry.path();
        let meta = tokio::fs::symlink_metadata(&path).await?;
        bytes += meta.len();
        if meta.is_dir() {
            subdirs.push(path);
        }
    }
    Ok((bytes, subdirs))
}

async fn disk_usage(root: PathBuf, max_in_flight: usize) -> std::io::Result<u64> {
    let permits = Arc::new(Semaphore::new(max_in_flight));
    let mut total = tokio::fs::symlink_metadata(&root).await?.len();
    let mut tasks = JoinSet::new();
    tasks.spawn(read_one(root, permits.clone()));
    while let Some(done) = tasks.join_next().await {
        let (bytes, subdirs) = done.expect("a directory task panicked")?;
        total += bytes;
        for d in subdirs {
            tasks.spawn(read_one(d, permits.clone()));
        }
    }
    Ok(total)
}

fn main() {
    let args = positional();
    let root = PathBuf::from(args.get(0).expect("usage: disk_usage TREE [--quick]"));
    let runs = if quick() { 1 } else { 5 };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bytes = rt.block_on(disk_usage(root.clone(), MAX_IN_FLIGHT)).expect("walk"); // warm, untimed
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        let got = rt.block_on(disk_usage(root.clone(), MAX_IN_FLIGHT)).expect("walk");
        best = best.min(ms(start.elapsed()));
        assert_eq!(got, bytes, "two walks of the same tree disagree");
    }
    emit("du.tokio.ms", best, "ms");
    emit("du.tokio.bytes", bytes as f64, "B");
}
