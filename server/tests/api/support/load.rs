//! Write load: writers creating actors through the API at once, a tally
//! of what each write was answered, and the check that every acknowledged
//! write is in the table.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use super::{TestPool, eventually, producer};

/// What happened to each write a load run sent.
#[derive(Default)]
pub struct Tally {
    pub sent: usize,
    /// Names of rows whose creation got a 201.
    pub acknowledged: Vec<String>,
    /// Status (0: no answer) → count.
    pub failed: BTreeMap<u16, usize>,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.sent += other.sent;
        self.acknowledged.extend(other.acknowledged);
        for (status, n) in other.failed {
            *self.failed.entry(status).or_default() += n;
        }
    }
}

pub async fn names_in_table(pool: &TestPool) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = pool
        .fetch_all("SELECT name, count(*) FROM actors GROUP BY name")
        .await;
    rows.into_iter().collect()
}

/// Every acknowledged name is in the table exactly once, and no name twice.
pub async fn check_nothing_lost(pool: &TestPool, tally: &Tally, label: &str) {
    let table = names_in_table(pool).await;
    let missing: Vec<&String> = tally
        .acknowledged
        .iter()
        .filter(|n| !table.contains_key(*n))
        .collect();
    let duplicated: Vec<(&String, &i64)> = table.iter().filter(|(_, n)| **n > 1).collect();
    println!(
        "{label}: sent {}, acknowledged {}, failed {:?} (status: count; 0 = no answer), rows {}, missing {}, duplicated {}",
        tally.sent,
        tally.acknowledged.len(),
        tally.failed,
        table.len(),
        missing.len(),
        duplicated.len()
    );
    assert!(
        missing.is_empty(),
        "{label}: acknowledged but missing: {missing:?}"
    );
    assert!(duplicated.is_empty(), "{label}: duplicated: {duplicated:?}");
}

/// Writers creating actors at once (`{prefix}-{w}-{i}`), and how many of
/// their writes have been answered so far.
pub struct WriteLoad {
    tasks: Vec<tokio::task::JoinHandle<Tally>>,
    progress: Arc<AtomicUsize>,
    total: usize,
}

impl WriteLoad {
    pub fn start(base: &str, prefix: &str, writers: usize, each: usize) -> Self {
        let progress = Arc::new(AtomicUsize::new(0));
        let tasks = (0..writers)
            .map(|w| {
                tokio::spawn(writer(
                    base.to_owned(),
                    format!("{prefix}-{w}"),
                    each,
                    progress.clone(),
                ))
            })
            .collect();
        Self {
            tasks,
            progress,
            total: writers * each,
        }
    }

    /// Writes answered so far.
    pub fn answered(&self) -> usize {
        self.progress.load(Ordering::SeqCst)
    }

    /// Waits (at most `within`) until a third of the writes were answered.
    pub async fn wait_for_a_third(&self, within: Duration) {
        self.wait_for(self.total / 3, within).await;
    }

    /// Waits (at most `within`) until `count` writes were answered.
    pub async fn wait_for(&self, count: usize, within: Duration) {
        assert!(
            eventually(within, || async { self.answered() >= count }).await,
            "{} of {count} writes answered",
            self.answered()
        );
    }

    /// Every writer's tally, once all are done.
    pub async fn finish(self) -> Tally {
        let mut tally = Tally::default();
        for task in self.tasks {
            tally.merge(task.await.unwrap());
        }
        tally
    }
}

/// `count` creations named `{prefix}-{i}`, one after another.
pub async fn writer(
    base: String,
    prefix: String,
    count: usize,
    progress: Arc<AtomicUsize>,
) -> Tally {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let token = producer();
    let mut tally = Tally::default();
    for i in 0..count {
        let name = format!("{prefix}-{i}");
        tally.sent += 1;
        let answer = http
            .post(format!("{base}/actors"))
            .bearer_auth(&token)
            .json(&json!({"name": name, "age": 30}))
            .send()
            .await;
        match answer {
            Ok(response) if response.status() == 201 => tally.acknowledged.push(name),
            Ok(response) => *tally.failed.entry(response.status().as_u16()).or_default() += 1,
            Err(error) => {
                *tally.failed.entry(0).or_default() += 1;
                // A server that is gone: stop instead of counting refusals.
                if error.is_connect() {
                    progress.fetch_add(1, Ordering::SeqCst);
                    break;
                }
            }
        }
        progress.fetch_add(1, Ordering::SeqCst);
    }
    tally
}
