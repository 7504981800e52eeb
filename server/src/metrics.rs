//! Prometheus metrics, served as text at `GET /metrics`. Labels are route patterns, methods, status classes
//! and outcomes — never ids, names or anything a person typed.

use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// Every metric of one running app. Each app has its own registry, so tests can run several side by side.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub logins: IntCounterVec,
    pub db: DbMetrics,
    pub index: IndexMetrics,
}

/// The index documents' share: how long full builds and incremental updates take.
#[derive(Debug, Clone)]
pub struct IndexMetrics {
    /// One full build of one index (listing plus reconcile), when its owner opens it and its incremental
    /// state is unknown.
    pub build: Histogram,
    /// From the first commit of a round to the updated heads of every index it affected, in memory.
    pub apply: Histogram,
    /// From the first commit of a round to every index it affected stored durably and pushed.
    pub update: Histogram,
    /// Index documents changed by incremental updates.
    pub updated: prometheus::IntCounter,
    /// Index documents moved to a new id (after erasures).
    pub moved: prometheus::IntCounter,
}

impl IndexMetrics {
    /// Metrics that go nowhere (unit tests).
    pub fn detached() -> Self {
        Metrics::new().index
    }
}

/// The database's share of the metrics, handed to the storage layer.
#[derive(Debug, Clone)]
pub struct DbMetrics {
    read_duration: Histogram,
    write_batch_duration: Histogram,
    write_batch_size: Histogram,
}

impl DbMetrics {
    pub fn observe_read(&self, took: Duration) {
        self.read_duration.observe(took.as_secs_f64());
    }

    pub fn observe_write_batch(&self, jobs: usize, took: Duration) {
        self.write_batch_duration.observe(took.as_secs_f64());
        self.write_batch_size.observe(jobs as f64);
    }

    /// Metrics that go nowhere, for command-line tools that open the database briefly.
    pub fn detached() -> Self {
        Metrics::new().db
    }
}

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("sportello".into()), None)
            .expect("a constant prefix is valid");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let logins = IntCounterVec::new(
            Opts::new("logins_total", "Login attempts by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let read_duration = Histogram::with_opts(
            HistogramOpts::new(
                "db_read_duration_seconds",
                "Time spent in one database read",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let write_batch_duration = Histogram::with_opts(
            HistogramOpts::new(
                "db_write_batch_duration_seconds",
                "Time to run and durably commit one batch of writes",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let write_batch_size = Histogram::with_opts(
            HistogramOpts::new("db_write_batch_size", "Writes sharing one commit").buckets(vec![
                1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
            ]),
        )
        .expect("valid metric");
        let index = IndexMetrics {
            build: Histogram::with_opts(
                HistogramOpts::new("index_build_seconds", "Time to build one index in full")
                    .buckets(LATENCY_BUCKETS.to_vec()),
            )
            .expect("valid metric"),
            apply: Histogram::with_opts(
                HistogramOpts::new(
                    "index_apply_seconds",
                    "Time from a commit to the updated heads of the indexes it affected, in memory",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )
            .expect("valid metric"),
            update: Histogram::with_opts(
                HistogramOpts::new(
                    "index_update_seconds",
                    "Time from a commit to the indexes it affected stored durably and pushed",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )
            .expect("valid metric"),
            updated: prometheus::IntCounter::new(
                "index_updates_total",
                "Index documents changed by incremental updates",
            )
            .expect("valid metric"),
            moved: prometheus::IntCounter::new(
                "index_moves_total",
                "Index documents moved to a new id after an erasure",
            )
            .expect("valid metric"),
        };
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(logins.clone()),
            Box::new(read_duration.clone()),
            Box::new(write_batch_duration.clone()),
            Box::new(write_batch_size.clone()),
            Box::new(index.build.clone()),
            Box::new(index.apply.clone()),
            Box::new(index.update.clone()),
            Box::new(index.updated.clone()),
            Box::new(index.moved.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            logins,
            db: DbMetrics {
                read_duration,
                write_batch_duration,
                write_batch_size,
            },
            index,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
