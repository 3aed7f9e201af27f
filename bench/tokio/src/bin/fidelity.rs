//! How close the talk's three patterns come to the physical limit, against a
//! server that answers every request after a fixed latency (the course's
//! demo settings: 50 ms for join, 100 ms for the other two):
//!   join       all N at once (join_all)           limit: one latency
//!   limited    at most K in flight (a Semaphore)  limit: ceil(N/K) latencies
//!   buffer_unordered(8)                           limit: ceil(N/8) latencies
//!
//!   fidelity [--quick]
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use lunch_twins::{emit, fresh_connection_client, get, ms, quick, start_latency_server};
use tokio::sync::Semaphore;

const LIMIT: usize = 10;
const BUFFER: usize = 8;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (n, join_latency, wave_latency) = if quick() {
        (20, Duration::from_millis(20), Duration::from_millis(20))
    } else {
        (100, Duration::from_millis(50), Duration::from_millis(100))
    };
    let join_addr = start_latency_server(join_latency);
    let wave_addr = start_latency_server(wave_latency);
    let client = fresh_connection_client();
    let urls_of = |addr: std::net::SocketAddr| -> Vec<hyper::Uri> {
        (0..n).map(|i| format!("http://{addr}/item/{i}").parse().unwrap()).collect()
    };
    let (urls, lat) = (urls_of(join_addr), ms(join_latency));
    let report = |name: &str, took: Duration, limit_ms: f64| {
        emit(&format!("fidelity.{name}.wall_ms"), ms(took), "ms");
        emit(&format!("fidelity.{name}.ratio"), ms(took) / limit_ms, "x");
    };

    let start = Instant::now();
    let statuses = futures::future::join_all(urls.iter().map(|u| get(&client, u.clone()))).await;
    assert!(statuses.iter().all(|s| *s == 200));
    report("join", start.elapsed(), lat);

    let (urls, lat) = (urls_of(wave_addr), ms(wave_latency));

    // The talk's pattern: an owned permit moved into each spawned task.
    let start = Instant::now();
    let permits = Arc::new(Semaphore::new(LIMIT));
    let mut tasks = Vec::new();
    for u in &urls {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (client, u) = (client.clone(), u.clone());
        tasks.push(tokio::spawn(async move {
            let status = get(&client, u).await;
            drop(permit);
            status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    report("limited", start.elapsed(), ((n + LIMIT - 1) / LIMIT) as f64 * lat);

    let start = Instant::now();
    let statuses: Vec<u16> = stream::iter(urls.iter().cloned())
        .map(|u| get(&client, u))
        .buffer_unordered(BUFFER)
        .collect()
        .await;
    assert_eq!(statuses.len(), n);
    report("buffer_unordered", start.elapsed(), ((n + BUFFER - 1) / BUFFER) as f64 * lat);
}
