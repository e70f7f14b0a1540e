//! The session manager against stubs of the mock (docs/mock-server.md, "Stubs"): an endpoint the
//! mock does not model, behind its real authentication, so the manager's re-authentication runs
//! for stubbed calls too. The first test is the Rust example of the docs.

use std::sync::Arc;
use std::time::Duration;

use tableau_auth::{Client, PersonalAccessTokenProvider, SessionManager};
use tableau_mock_server::{MockServer, Stub};

#[tokio::test]
async fn refreshes_a_workbook() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await;
    let _refresh = mock
        .mount_as_scoped(
            Stub::post("/sites/{siteId}/workbooks/{workbookId}/refresh")
                .scope("tableau:tasks:run") // only JWT sessions are limited by scopes
                .respond_with(
                    202,
                    r#"<tsResponse xmlns="http://tableau.com/api"><job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract"><extractRefreshJob><workbook id="{{path.workbookId}}"/></extractRefreshJob></job></tsResponse>"#,
                )
                .expect(1), // checked when the guard is dropped
        )
        .await;

    // The code under test: a session manager pointed at the mock.
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build()?;
    let pat = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
    let manager = SessionManager::new(client, Arc::new(pat));
    let session = manager.session().await?;
    let url = session.api_url(&format!(
        "sites/{}/workbooks/wb-1/refresh",
        session.site_id()
    ))?;
    let answer = manager
        .send_checked(manager.client().http().post(url).body("<tsRequest/>"))
        .await?;
    assert_eq!(answer.status(), 202);
    Ok(())
}

#[tokio::test]
async fn a_stubbed_call_after_the_session_died_signs_in_again_once() {
    let mock = MockServer::start().await;
    let jobs = mock
        .mount_as_scoped(
            Stub::get("/sites/{siteId}/jobs/{jobId}")
                .respond_with(200, r#"<tsResponse xmlns="http://tableau.com/api"><job id="{{path.jobId}}" progress="100" finishCode="0"/></tsResponse>"#)
                .expect(2),
        )
        .await;
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build().unwrap();
    let pat = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret).unwrap();
    let manager = SessionManager::new(client, Arc::new(pat));
    let get_job = || async {
        let session = manager.session().await.unwrap();
        let url = session
            .api_url(&format!("sites/{}/jobs/j-1", session.site_id()))
            .unwrap();
        let answer = manager
            .send_checked(manager.client().http().get(url))
            .await
            .unwrap();
        answer.text().await.unwrap()
    };
    assert!(get_job().await.contains(r#"id="j-1""#));
    mock.advance_clock(Duration::from_secs(5 * 3600)).await; // past the idle limit
    assert!(get_job().await.contains(r#"id="j-1""#));
    assert_eq!(
        manager.sign_in_count(),
        2,
        "one new sign-in after the 401002"
    );
    assert_eq!(jobs.calls().await, 2, "the refused call was not the stub's");
    let refused = mock
        .requests()
        .await
        .iter()
        .filter(|r| r.path.ends_with("/jobs/j-1") && r.status == Some(401))
        .count();
    assert_eq!(refused, 1);
}

/// The Rust example of docs/testing-your-code.md.
#[tokio::test]
async fn the_nightly_refresh_survives_an_expired_session() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = MockServer::start().await;
    let refresh = mock
        .mount_as_scoped(
            Stub::post("/sites/{siteId}/workbooks/{workbookId}/refresh")
                .respond_with(
                    202,
                    r#"<tsResponse xmlns="http://tableau.com/api"><job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract"/></tsResponse>"#,
                )
                .expect(2),
        )
        .await;
    let creds = mock.default_credentials();
    let client = Client::builder().server_url(&mock.uri()).build()?;
    let pat = PersonalAccessTokenProvider::new(creds.pat_name, creds.pat_secret)?;
    let manager = SessionManager::new(client, Arc::new(pat));

    for _night in 0..2 {
        let session = manager.session().await?;
        let url = session.api_url(&format!(
            "sites/{}/workbooks/wb-1/refresh",
            session.site_id()
        ))?;
        let answer = manager
            .send_checked(manager.client().http().post(url).body("<tsRequest/>"))
            .await?;
        assert_eq!(answer.status(), 202);
        mock.advance_clock(Duration::from_secs(12 * 3600)).await; // the session dies overnight
    }
    assert_eq!(manager.sign_in_count(), 2); // signed in again once, transparently
    assert_eq!(refresh.calls().await, 2);
    Ok(())
}
