//! A client that sends its headers and then trickles (or withholds) its body, on tokio's
//! paused clock: the body-read timeout elapses in virtual time.

use std::time::Duration;

use tableau_mock_server::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An outer hang detector in virtual time: far beyond `BODY_READ_TIMEOUT` (10 s).
const HANG: Duration = Duration::from_secs(120);

#[tokio::test(start_paused = true)]
async fn a_body_that_never_arrives_gets_408_and_the_connection_closes() {
    let mock = MockServer::start().await;
    let mut slow = TcpStream::connect(mock.address()).await.unwrap();
    slow.write_all(
        b"POST /api/3.27/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 500\r\n\r\n<tsRequest>",
    )
    .await
    .unwrap();
    // Others are served meanwhile.
    let mut other = TcpStream::connect(mock.address()).await.unwrap();
    other
        .write_all(b"GET /api/3.27/serverinfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut served = Vec::new();
    other.read_to_end(&mut served).await.unwrap();
    assert!(served.starts_with(b"HTTP/1.1 200"));

    let mut answer = Vec::new();
    let read = tokio::time::timeout(HANG, slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server never closed the connection");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("408000"), "a Tableau error body: {text}");
    let log = mock.requests().await;
    let entry = log
        .iter()
        .find(|r| r.path.ends_with("/auth/signin"))
        .unwrap();
    assert_eq!(entry.status, Some(408));
}
