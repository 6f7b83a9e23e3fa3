//! `lock_id`, `lock_tag` and `unlock` filter what a responder yields.

use state_signals_test_support as common;

use common::{RedisServer, within};
use futures_util::StreamExt;

fn signal(publisher: &str, tag: &str, event: &str) -> String {
    format!(
        r#"{{"publisher_id":"{publisher}","process_name":"p","event":"{event}","runner_host":"h","sample_no":-1,"tag":"{tag}"}}"#
    )
}

#[tokio::test]
async fn locks_filter_by_publisher_and_tag_until_unlocked() {
    let server = RedisServer::start().await;
    let responder = within(server.responder().connect()).await.unwrap();
    let (responder, mut signals) = responder.split();
    let send = |p: &'static str, t: &'static str, e: &'static str| {
        let server = &server;
        async move {
            server
                .publish_raw("event-signal-pubsub", signal(p, t, e))
                .await
        }
    };

    responder.lock_id("p1");
    send("p2", "t", "dropped-1").await;
    send("p1", "t", "id-ok").await;
    assert_eq!(within(signals.next()).await.unwrap().event, "id-ok");

    responder.lock_tag("blue");
    send("p1", "red", "dropped-2").await;
    send("p2", "blue", "dropped-3").await;
    send("p1", "blue", "both-ok").await;
    assert_eq!(within(signals.next()).await.unwrap().event, "both-ok");

    responder.unlock();
    send("p9", "green", "free").await;
    assert_eq!(within(signals.next()).await.unwrap().event, "free");

    responder.lock_tag("blue");
    send("p9", "green", "dropped-4").await;
    send("p9", "blue", "tag-ok").await;
    assert_eq!(within(signals.next()).await.unwrap().event, "tag-ok");
}
