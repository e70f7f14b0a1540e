//! The official Python client's "hello world" in Rust: sign in with the credentials of the
//! environment (`TABLEAU_SERVER_URL`, `TABLEAU_SITE` and one credential family, see the
//! environment provider) and list the site's workbooks, page by page, through
//! `SessionManager::send_checked`.
//!
//! Against a mock server (its default data set holds two workbooks):
//!
//! ```text
//! cargo run -p tableau-mock-server --features cli &      # prints its URL and PAT secret
//! TABLEAU_SERVER_URL=http://127.0.0.1:8080 TABLEAU_PAT_NAME=admin-pat TABLEAU_PAT_SECRET=... \
//!     cargo run -p tableau-auth --example list_workbooks
//! ```
//!
//! `cargo test -p tableau-auth --example list_workbooks` runs it against an in-process mock.

#![allow(clippy::print_stdout)] // an example shows its results on stdout

use tableau_auth::SessionManager;

/// Errors of the example: the crate's, or a body that is not what Tableau sends.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A workbook as listed: its name and its project's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookName {
    /// The workbook's name.
    pub name: String,
    /// Its project's name.
    pub project: String,
}

/// Every workbook of the session's site, `page_size` at a time (1–1000), in JSON.
pub async fn list_workbooks(
    manager: &SessionManager,
    page_size: usize,
) -> Result<Vec<WorkbookName>, BoxError> {
    let site_id = manager.session().await?.site_id().to_owned();
    let mut workbooks = Vec::new();
    for page in 1.. {
        let mut url = manager
            .api_url(&format!("sites/{site_id}/workbooks"))
            .await?;
        url.query_pairs_mut()
            .append_pair("pageSize", &page_size.to_string())
            .append_pair("pageNumber", &page.to_string());
        let request = manager
            .client()
            .http()
            .get(url)
            .header("Accept", "application/json");
        let body: serde_json::Value = manager.send_checked(request).await?.json().await?;
        // Every value is a string in Tableau's JSON, the pagination's numbers too.
        let total: usize = body["pagination"]["totalAvailable"]
            .as_str()
            .and_then(|total| total.parse().ok())
            .ok_or("no pagination in the answer")?;
        // An empty list is `"workbooks": {}`.
        if let Some(items) = body["workbooks"]["workbook"].as_array() {
            for item in items {
                workbooks.push(WorkbookName {
                    name: item["name"].as_str().unwrap_or_default().to_owned(),
                    project: item["project"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
        }
        if page * page_size >= total {
            break;
        }
    }
    Ok(workbooks)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let manager = SessionManager::from_env()?;
    let workbooks = list_workbooks(&manager, 100).await?;
    for workbook in &workbooks {
        println!("{} (project {})", workbook.name, workbook.project);
    }
    println!("{} workbooks", workbooks.len());
    manager.sign_out().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use tableau_auth::StaticEnv;
    use tableau_mock_server::MockServer;

    use super::*;

    /// The manager `main` builds, from variables naming the mock and its default PAT.
    fn manager_for(mock: &MockServer) -> SessionManager {
        let creds = mock.default_credentials();
        let url = mock.uri();
        let env = StaticEnv::from_vars(&[
            ("TABLEAU_SERVER_URL", url.as_str()),
            ("TABLEAU_PAT_NAME", creds.pat_name.as_str()),
            ("TABLEAU_PAT_SECRET", creds.pat_secret.as_str()),
        ]);
        SessionManager::builder_from_env_source(env)
            .unwrap()
            .build()
    }

    #[tokio::test]
    async fn lists_the_default_data_set() {
        let mock = MockServer::start().await;
        let manager = manager_for(&mock);
        let workbooks = list_workbooks(&manager, 100).await.unwrap();
        let names: Vec<(&str, &str)> = workbooks
            .iter()
            .map(|w| (w.name.as_str(), w.project.as_str()))
            .collect();
        assert_eq!(names, [("Superstore", "Samples"), ("Regional", "Samples")]);
        manager.sign_out().await;
        mock.shutdown().await;
    }

    #[tokio::test]
    async fn pages_through_more_than_one_page() {
        let mock = MockServer::start().await;
        mock.create_project("", "Reports", None).await;
        for i in 0..25 {
            mock.create_workbook("", "Reports", &format!("report-{i:02}"), "admin", &[])
                .await;
        }
        let manager = manager_for(&mock);
        let workbooks = list_workbooks(&manager, 10).await.unwrap();
        assert_eq!(
            workbooks.len(),
            27,
            "2 samples and 25 reports, over 3 pages"
        );
        assert_eq!(workbooks[26].name, "report-24");
        let requests = mock.requests().await;
        let pages = requests
            .iter()
            .filter(|r| r.path.ends_with("/workbooks"))
            .count();
        assert_eq!(pages, 3);
        mock.shutdown().await;
    }
}
