//! Slow and idle clients against the header-read timeout and the connection cap, on tokio's
//! paused clock: the 10 s timeout elapses in virtual time, so these run in milliseconds.

use std::time::Duration;

use tableau_mock_server::{HEADER_READ_TIMEOUT, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An outer hang detector in virtual time: far beyond the header-read timeout.
const HANG: Duration = Duration::from_secs(120);

/// Sends a complete request on a fresh connection and returns the status line.
async fn status_line(mock: &MockServer) -> String {
    let mut stream = TcpStream::connect(mock.address()).await.unwrap();
    stream
        .write_all(b"GET /api/3.27/serverinfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Reads until the server closes the connection; fails the test if it never does.
async fn closed_by_server(mut stream: TcpStream, what: &str) -> Vec<u8> {
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(HANG, stream.read_to_end(&mut buffer)).await;
    assert!(
        read.is_ok(),
        "{what}: the server never closed the connection"
    );
    buffer
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let mock = MockServer::start().await;
    let mut slow = TcpStream::connect(mock.address()).await.unwrap();
    slow.write_all(b"GET /api/3.27/serverinfo HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Others are served while it dawdles.
    assert_eq!(status_line(&mock).await, "HTTP/1.1 200 OK");
    let answer = closed_by_server(slow, "half-sent headers").await;
    assert!(
        !answer.starts_with(b"HTTP/1.1 200"),
        "the slow request was served"
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_sending_one_byte_a_second_is_cut_off() {
    let mock = MockServer::start().await;
    let mut slow = TcpStream::connect(mock.address()).await.unwrap();
    let request = b"GET /api/3.27/serverinfo HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut sent = 0;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            break; // the server hung up mid-request: what we want
        }
        sent += 1;
        tokio::time::sleep(Duration::from_secs(1)).await; // virtual time: the client's pace
    }
    assert!(
        (sent as u64) <= HEADER_READ_TIMEOUT.as_secs() + 2,
        "the server was still reading after {sent} s of a one-byte-a-second request"
    );
    closed_by_server(slow, "one byte a second").await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_sends_nothing_is_cut_off() {
    let mock = MockServer::start().await;
    let silent = TcpStream::connect(mock.address()).await.unwrap();
    let two_bytes = {
        let mut stream = TcpStream::connect(mock.address()).await.unwrap();
        stream.write_all(b"GE").await.unwrap();
        stream
    };
    closed_by_server(silent, "a silent connection").await;
    closed_by_server(two_bytes, "two bytes, then silence").await;
}

#[tokio::test(start_paused = true)]
async fn idle_connections_up_to_the_cap_do_not_stop_service_for_long() {
    let mock = MockServer::builder().max_connections(32).start().await;
    let mut idle = Vec::new();
    for _ in 0..32 {
        idle.push(TcpStream::connect(mock.address()).await.unwrap());
    }
    // Every permit is held by an idle connection; the header-read timeout frees them, so a
    // real client is served (in virtual time) instead of waiting forever.
    let served = tokio::time::timeout(HANG, status_line(&mock)).await;
    assert_eq!(
        served.expect("served once the idle connections timed out"),
        "HTTP/1.1 200 OK"
    );
    drop(idle);
}
