//! End to end, the trial day's interactive defects (issue 30): the real
//! binary in tmux on the real server, through the recording relay.

use std::time::Duration;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_long_paste_into_the_filter_asks_the_server_a_few_times_not_once_per_character() {
    let (server, passwords) = start_server().await;
    let recorder = Recorder::start(&server).await;
    let tmux = client(&recorder.url, "producer", &passwords).await;
    let before = recorder.list_requests().len();
    tmux.keys(&["/"]).await;
    tmux.type_text(&"zq".repeat(1500)).await;
    tmux.wait_for("zqzqzqzq").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked: Vec<String> = recorder.list_requests()[before..].to_vec();
    assert!(
        asked.len() <= 40,
        "{} list requests for one paste: {:?}",
        asked.len(),
        &asked[..asked.len().min(5)]
    );
    let longest = asked.iter().map(String::len).max().unwrap_or(0);
    assert!(longest < 600, "a request of {longest} characters");
    tmux.keys(&["Enter"]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    tmux.keys(&["q"]).await;
    tmux.wait_until_gone().await;
}
