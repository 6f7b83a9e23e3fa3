//! `state-signals bench` on a small scale: the path the benchmarks take,
//! with no figures asserted (timings belong in BENCHMARKS.md, not in tests).

use crate::support as cli_support;

use cli_support::common::RedisServer;
use cli_support::{cli, finish};

#[tokio::test]
async fn bench_runs_library_and_floor_in_process_and_over_processes() {
    let server = RedisServer::start().await;
    for processes in ["0", "2"] {
        let out = finish(cli(
            &server,
            &[
                "bench",
                "-k",
                "50",
                "-n",
                "10",
                "--warmup",
                "1",
                "--processes",
                processes,
                "--floor",
                "--json",
            ],
        ))
        .await;
        assert_eq!(out.code(), 0, "{out:?}");
        let report = &out.lines[0];
        assert_eq!(report["responders"], 50);
        for side in ["library", "floor"] {
            assert_eq!(report[side]["lost_answers"], 0, "{side}: {report}");
            assert!(report[side]["round_trip"]["p50_us"].as_f64().unwrap() > 0.0);
            assert!(report[side]["idle_responder_rss_kib"].as_u64().unwrap() > 0);
        }
    }
    let out = finish(cli(&server, &["bench", "-k", "3", "-n", "5"])).await;
    assert_eq!(out.code(), 0);
    assert!(out.stdout.contains("round trip p50"), "{}", out.stdout);
}
