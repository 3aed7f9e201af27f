//! Requests per second of a hyper client against a hyper server, both in this
//! process over loopback, with no latency: the machinery's own cost. Each
//! round sends C requests at once (a new connection each, like
//! lunch::http_get) and waits for them all.
//!
//!   http [--quick]
use std::time::{Duration, Instant};

use lunch_twins::{emit, fresh_connection_client, get, quick, start_latency_server};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let budget = Duration::from_millis(if quick() { 200 } else { 2000 });
    let addr = start_latency_server(Duration::ZERO);
    let client = fresh_connection_client();
    for c in [1usize, 10, 100] {
        let url: hyper::Uri = format!("http://{addr}/bench").parse().unwrap();
        let start = Instant::now();
        let mut done = 0usize;
        while start.elapsed() < budget {
            let statuses = futures::future::join_all((0..c).map(|_| get(&client, url.clone()))).await;
            assert!(statuses.iter().all(|s| *s == 200));
            done += c;
        }
        emit(&format!("http.{c}.rps"), done as f64 / start.elapsed().as_secs_f64(), "req/s");
    }
}
