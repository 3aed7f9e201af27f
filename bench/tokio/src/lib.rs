//! What the twins share: the output line, the peak RSS, a percentile, and a
//! small HTTP server with a fixed latency (the Tokio side's stand-in for the
//! course's `lunch::latency_server`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server};

/// One figure, one line. The C++ programs print the same shape, so
/// bench/run.py reads both sides with one parser.
pub fn emit(figure: &str, value: f64, unit: &str) {
    println!("{{\"figure\":\"{figure}\",\"value\":{value:.6},\"unit\":\"{unit}\"}}");
}

/// The most memory this process has held at once, in KiB: VmHWM from
/// /proc/self/status, the number the C++ side reads. (Not getrusage's
/// ru_maxrss: after fork and exec it starts from the parent's size.)
pub fn peak_rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// The kernel's memory for thread stacks, machine-wide, in KiB
/// (KernelStack in /proc/meminfo): in nobody's RSS, but every thread has one.
pub fn kernel_stack_kib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("KernelStack:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0.0)
}

/// CPU time this process has used so far (all its threads), in ms.
pub fn cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes into the struct we hand it.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `--quick` anywhere on the command line: the CI smoke settings.
pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// The arguments that are not flags.
pub fn positional() -> Vec<String> {
    std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect()
}

/// The p-th percentile (0..=100) of a sample, nearest rank.
pub fn percentile(sample: &[f64], p: f64) -> f64 {
    let mut s = sample.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

/// How a figure is timed: by this thread's CPU time (work on one thread: a
/// shared machine's waits for a core do not count), or by the wall clock
/// (work spread over threads). Google Benchmark on the C++ side does the same.
#[derive(Clone, Copy)]
pub enum Clock {
    ThreadCpu,
    Wall,
}

fn thread_cpu_ns() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes into the struct we hand it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

/// Times `op`, which does `per_call` operations each call, and returns
/// nanoseconds per operation: the median of five rounds of at least `budget`
/// (wall time, so that a round ends even when the machine is busy).
pub fn ns_per_op(budget: Duration, per_call: u64, clock: Clock, mut op: impl FnMut()) -> f64 {
    op(); // warm-up: first allocations, first page faults
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let cpu_start = thread_cpu_ns();
        let mut calls = 0u64;
        while start.elapsed() < budget {
            op();
            calls += 1;
        }
        let ns = match clock {
            Clock::ThreadCpu => thread_cpu_ns() - cpu_start,
            Clock::Wall => start.elapsed().as_nanos() as f64,
        };
        rounds.push(ns / (calls * per_call) as f64);
    }
    percentile(&rounds, 50.0)
}

/// Starts an HTTP/1.1 server on 127.0.0.1 (a port the kernel picks), on a
/// thread and a current-thread runtime of its own, like the C++ latency
/// server: every request is answered after `latency` with a short body.
/// Returns its address; the server lives until the process ends.
pub fn start_latency_server(latency: Duration) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let make = make_service_fn(move |_| async move {
                Ok::<_, Infallible>(service_fn(move |req: Request<Body>| async move {
                    if !latency.is_zero() {
                        tokio::time::sleep(latency).await;
                    }
                    Ok::<_, Infallible>(Response::new(Body::from(format!("item {}\n", req.uri().path()))))
                }))
            });
            Server::from_tcp(listener).unwrap().serve(make).await.unwrap();
        });
    });
    addr
}

/// A client that opens a new connection per request, like `lunch::http_get`
/// (hyper would otherwise keep connections alive and reuse them).
pub fn fresh_connection_client() -> hyper::Client<hyper::client::HttpConnector> {
    hyper::Client::builder().pool_max_idle_per_host(0).build_http()
}

/// GETs `url` and reads the whole body; returns the status.
pub async fn get(client: &hyper::Client<hyper::client::HttpConnector>, url: hyper::Uri) -> u16 {
    let response = client.get(url).await.expect("GET");
    let status = response.status().as_u16();
    hyper::body::to_bytes(response.into_body()).await.expect("body");
    status
}

/// Keeps the optimiser from deleting work whose result nobody reads.
/// (`std::hint::black_box` is not stable in Debian 12's rustc; a volatile
/// read of the value does the same job here.)
pub fn keep<T>(value: T) -> T {
    // SAFETY: a bitwise copy of `value`, whose original is then forgotten,
    // so the value is owned exactly once.
    let copy = unsafe { std::ptr::read_volatile(&value) };
    std::mem::forget(value);
    copy
}
