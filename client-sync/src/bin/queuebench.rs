//! `sportello-queuebench`: the queue under load, against a running server. Three phases, one JSON report:
//!
//! 1. **issue** — a totem issues `--tickets` tickets over every line, `--concurrency` requests in flight:
//!    tickets per second with durable commits (each answer comes after its commit), and latency.
//! 2. **call-next** — `--operators` operators call the next ticket in a loop, all at once, until the queue
//!    is empty: call-next latency percentiles (p50, p99) under that concurrency.
//! 3. **fan-out** — `--subscribers` event streams (a display's token) are opened; then `--events` tickets
//!    are issued one at a time; for each event, the delay from the issuing request's answer to its arrival
//!    on every stream (p50, p99, max over all deliveries).
//!
//! The accounts must exist: an admin `<admin>` and operators `<prefix>1` … `<prefix>N`, all with the same
//! password (`scripts/bench-queue.sh` creates them and starts a release server). Lines `B`…`Z` are created
//! through the admin API, because a line issues at most 499 numbers a day.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::future::join_all;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};

#[derive(Debug, Parser)]
#[command(
    name = "sportello-queuebench",
    about = "Queue benchmark: issue rate, call-next latency, SSE fan-out"
)]
struct Args {
    /// The server, e.g. http://127.0.0.1:18183.
    #[arg(long)]
    url: String,
    #[arg(long, default_value = "bench.admin")]
    admin: String,
    #[arg(long, default_value = "bench.op")]
    username_prefix: String,
    /// The accounts' password (or env SPORTELLO_BENCH_PASSWORD).
    #[arg(long, env = "SPORTELLO_BENCH_PASSWORD", hide_env_values = true)]
    password: String,
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value_t = 50)]
    operators: usize,
    #[arg(long, default_value_t = 500)]
    subscribers: usize,
    #[arg(long, default_value_t = 20)]
    events: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = Client::builder().pool_max_idle_per_host(1_024).build()?;
    let base = args.url.trim_end_matches('/').to_owned();

    let admin = login(&client, &base, &args.admin, &args.password).await?;
    let lines = create_lines(&client, &base, &admin).await?;
    let totem = device(&client, &base, &admin, "totem").await?;
    let display = device(&client, &base, &admin, "display").await?;

    let issue = issue_phase(
        &client,
        &base,
        &totem,
        &lines,
        args.tickets,
        args.concurrency,
    )
    .await?;
    let mut operators = Vec::with_capacity(args.operators);
    for n in 1..=args.operators {
        operators.push(
            login(
                &client,
                &base,
                &format!("{}{n}", args.username_prefix),
                &args.password,
            )
            .await?,
        );
    }
    let calls = call_phase(&client, &base, &operators).await?;
    let fanout = fanout_phase(
        &client,
        &base,
        &totem,
        &display,
        args.subscribers,
        args.events,
    )
    .await?;

    let report = json!({
        "issue": issue,
        "call_next": calls,
        "fanout": fanout,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

async fn login(
    client: &Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?;
    if response.status() != StatusCode::OK {
        bail!("login of {username}: {}", response.status());
    }
    let body: Value = response.json().await?;
    Ok(body["access_token"]
        .as_str()
        .context("access_token")?
        .to_owned())
}

/// Lines A…Z (A and M exist already): 26 × 499 server numbers a day.
async fn create_lines(client: &Client, base: &str, admin: &str) -> anyhow::Result<Vec<String>> {
    let mut codes = Vec::new();
    for letter in 'A'..='Z' {
        let code = letter.to_string();
        if code != "A" && code != "M" {
            let response = client
                .put(format!("{base}/api/v1/admin/queue/lines/{code}"))
                .bearer_auth(admin)
                .json(
                    &json!({"name_it": format!("Linea {code}"), "name_en": format!("Line {code}")}),
                )
                .send()
                .await?;
            if !response.status().is_success() {
                bail!("creating line {code}: {}", response.status());
            }
        }
        codes.push(code);
    }
    Ok(codes)
}

async fn device(client: &Client, base: &str, admin: &str, kind: &str) -> anyhow::Result<String> {
    let enrolled: Value = client
        .post(format!("{base}/api/v1/admin/devices"))
        .bearer_auth(admin)
        .json(&json!({"kind": kind, "name": format!("bench {kind}")}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let credential = enrolled["credential"].as_str().context("credential")?;
    let token: Value = client
        .post(format!("{base}/api/v1/auth/device-token"))
        .json(&json!({"credential": credential}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(token["access_token"]
        .as_str()
        .context("access_token")?
        .to_owned())
}

fn percentiles(mut samples: Vec<Duration>) -> Value {
    samples.sort();
    let at = |p: f64| -> f64 {
        if samples.is_empty() {
            return 0.0;
        }
        let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1].as_secs_f64() * 1_000.0
    };
    json!({
        "count": samples.len(),
        "p50_ms": round(at(0.50)),
        "p90_ms": round(at(0.90)),
        "p99_ms": round(at(0.99)),
        "max_ms": round(at(1.0)),
    })
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

async fn issue_phase(
    client: &Client,
    base: &str,
    totem: &str,
    lines: &[String],
    tickets: usize,
    concurrency: usize,
) -> anyhow::Result<Value> {
    let gate = Arc::new(Semaphore::new(concurrency));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(tickets)));
    let started = Instant::now();
    let tasks = (0..tickets).map(|n| {
        let (client, gate, latencies) = (client.clone(), gate.clone(), latencies.clone());
        let url = format!("{base}/api/v1/queue/tickets");
        let body = json!({"line": lines[n % lines.len()], "client_op_id": format!("bench-{n}")});
        let totem = totem.to_owned();
        async move {
            let _permit = gate.acquire().await?;
            let sent = Instant::now();
            let response = client
                .post(url)
                .bearer_auth(totem)
                .json(&body)
                .send()
                .await?;
            if response.status() != StatusCode::CREATED {
                bail!("issue: {}", response.status());
            }
            latencies.lock().await.push(sent.elapsed());
            anyhow::Ok(())
        }
    });
    for result in join_all(tasks).await {
        result?;
    }
    let elapsed = started.elapsed();
    let latencies = std::mem::take(&mut *latencies.lock().await);
    Ok(json!({
        "tickets": tickets,
        "concurrency": concurrency,
        "seconds": round(elapsed.as_secs_f64()),
        "tickets_per_second": (tickets as f64 / elapsed.as_secs_f64()).round(),
        "latency": percentiles(latencies),
    }))
}

async fn call_phase(client: &Client, base: &str, operators: &[String]) -> anyhow::Result<Value> {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks = operators.iter().enumerate().map(|(n, token)| {
        let (client, latencies, calls) = (client.clone(), latencies.clone(), calls.clone());
        let url = format!("{base}/api/v1/queue/call-next");
        let token = token.clone();
        async move {
            loop {
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"desk": format!("Desk {}", n + 1)}))
                    .send()
                    .await?;
                let elapsed = sent.elapsed();
                match response.status() {
                    StatusCode::OK => {
                        latencies.lock().await.push(elapsed);
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                    StatusCode::NOT_FOUND => return anyhow::Ok(()),
                    other => bail!("call-next: {other}"),
                }
            }
        }
    });
    for result in join_all(tasks).await {
        result?;
    }
    let elapsed = started.elapsed();
    let latencies = std::mem::take(&mut *latencies.lock().await);
    let calls = calls.load(Ordering::Relaxed);
    Ok(json!({
        "operators": operators.len(),
        "calls": calls,
        "calls_per_second": (calls as f64 / elapsed.as_secs_f64()).round(),
        "latency": percentiles(latencies),
    }))
}

/// One subscriber: reads frames and records, per event id, when it arrived.
async fn subscribe(
    client: Client,
    url: String,
    token: String,
    wanted: usize,
    ready: Arc<AtomicUsize>,
) -> anyhow::Result<Vec<(i64, Instant)>> {
    let mut response = client.get(url).bearer_auth(token).send().await?;
    if response.status() != StatusCode::OK {
        bail!("events: {}", response.status());
    }
    let mut arrivals = Vec::with_capacity(wanted);
    let mut buffer = String::new();
    let mut counted = false;
    while arrivals.len() < wanted {
        let Some(chunk) = tokio::time::timeout(Duration::from_secs(30), response.chunk()).await??
        else {
            bail!("the stream ended");
        };
        let now = Instant::now();
        buffer.push_str(std::str::from_utf8(&chunk)?);
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if !counted {
                counted = true;
                ready.fetch_add(1, Ordering::SeqCst);
            }
            if let Some(id) = frame.lines().find_map(|line| line.strip_prefix("id: "))
                && frame.contains("event: ticket.issued")
            {
                arrivals.push((id.trim().parse()?, now));
            }
        }
    }
    Ok(arrivals)
}

async fn fanout_phase(
    client: &Client,
    base: &str,
    totem: &str,
    display: &str,
    subscribers: usize,
    events: usize,
) -> anyhow::Result<Value> {
    let ready = Arc::new(AtomicUsize::new(0));
    let url = format!("{base}/api/v1/queue/events");
    let streams: Vec<_> = (0..subscribers)
        .map(|_| {
            tokio::spawn(subscribe(
                client.clone(),
                url.clone(),
                display.to_owned(),
                events,
                ready.clone(),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::SeqCst) < subscribers {
        if Instant::now() > deadline {
            bail!(
                "only {} of {subscribers} streams opened",
                ready.load(Ordering::SeqCst)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Issue one ticket at a time; remember when each answer (after its commit) came back.
    let mut answered = Vec::with_capacity(events);
    for n in 0..events {
        let before = Instant::now();
        let response = client
            .post(format!("{base}/api/v1/queue/tickets"))
            .bearer_auth(totem)
            .json(&json!({"line": "A", "client_op_id": format!("fanout-{n}")}))
            .send()
            .await?;
        if response.status() != StatusCode::CREATED {
            bail!("issue: {}", response.status());
        }
        answered.push((before, Instant::now()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut arrivals = Vec::new();
    for stream in streams {
        arrivals.push(stream.await??);
    }
    // Events arrive in issue order on every stream, so the k-th arrival is the k-th ticket.
    // From the issuing request's start (an upper bound: it includes the request itself), and from its
    // answer (the event may even arrive first: then 0).
    let mut from_request = Vec::with_capacity(subscribers * events);
    let mut from_answer = Vec::with_capacity(subscribers * events);
    for stream in &arrivals {
        for (k, (_, arrived)) in stream.iter().enumerate() {
            let (sent_at, answered_at) = answered[k];
            from_request.push(arrived.saturating_duration_since(sent_at));
            from_answer.push(arrived.saturating_duration_since(answered_at));
        }
    }
    let ids_in_order = arrivals
        .iter()
        .all(|stream| stream.windows(2).all(|pair| pair[0].0 < pair[1].0));
    Ok(json!({
        "subscribers": subscribers,
        "events": events,
        "in_order_everywhere": ids_in_order,
        "delay_from_request": percentiles(from_request),
        "delay_after_answer": percentiles(from_answer),
    }))
}
