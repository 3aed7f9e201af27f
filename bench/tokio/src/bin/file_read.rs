//! Reading one file that sits in the page cache, by chunk size and method:
//!   std        std::fs::File::read in a loop, on this thread (the floor)
//!   tokio_fs   tokio::fs::File: every read is a trip to the blocking pool
//!              (and Tokio 1.24 caps each trip at 16 KiB: tokio#3664's gap)
//!   tokio_once the fix: the whole std loop handed to spawn_blocking once
//!
//!   file_read FILE [--quick]
//!
//! Figures: MiB/s, the best of three reads.
use std::io::Read;
use std::time::Instant;

use lunch_twins::{emit, positional, quick};
use tokio::io::AsyncReadExt;

const CHUNKS: [(usize, &str); 3] = [(4 << 10, "4k"), (64 << 10, "64k"), (1 << 20, "1m")];

fn read_std(path: &str, chunk: usize) -> u64 {
    let mut f = std::fs::File::open(path).unwrap();
    let mut buf = vec![0u8; chunk];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64;
    }
}

async fn read_tokio_fs(path: &str, chunk: usize) -> u64 {
    let mut f = tokio::fs::File::open(path).await.unwrap();
    let mut buf = vec![0u8; chunk];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64;
    }
}

fn best_mib_s(rounds: usize, mut read: impl FnMut() -> u64) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let bytes = read();
            bytes as f64 / (1 << 20) as f64 / start.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn main() {
    let args = positional();
    let path = args.get(0).expect("usage: file_read FILE [--quick]").clone();
    let rounds = if quick() { 1 } else { 3 };
    read_std(&path, 1 << 20); // into the page cache, if it was not
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (chunk, label) in CHUNKS {
        emit(&format!("read.std.{label}.mib_s"), best_mib_s(rounds, || read_std(&path, chunk)), "MiB/s");
        emit(&format!("read.tokio_fs.{label}.mib_s"),
             best_mib_s(rounds, || rt.block_on(read_tokio_fs(&path, chunk))), "MiB/s");
        emit(&format!("read.tokio_once.{label}.mib_s"), best_mib_s(rounds, || {
            let p = path.clone();
            rt.block_on(async move { tokio::task::spawn_blocking(move || read_std(&p, chunk)).await.unwrap() })
        }), "MiB/s");
    }
}
