//! The authenticated calls of [`Client`]: sign out, switch site, current session, user; and
//! [`Session::from_token`], which checks a token with `sessions/current`.

use http::Method;
use http::header::{ACCEPT, CONTENT_TYPE};
use secrecy::SecretString;
use tableau_auth_core::{
    CurrentSession, ErrorCode, Feature, SignInResponse, SwitchSiteRequest, UserDetails,
};

use crate::client::Client;
use crate::error::Error;
use crate::responses::{Call, Usage, error_from_response, read_success};
use crate::session::Session;
use crate::transport::{Follow, Replay};

impl Session {
    /// A session for a token someone else signed in for (a shell script, an MCP host, another
    /// tool): checks it with `GET sessions/current` on `client`'s server (REST API 3.1+) and
    /// learns its site (LUID and content URL) and user.
    ///
    /// The session's [`credential_kind`](Session::credential_kind) is unknown (`None`), and
    /// [`issued_at`](Session::issued_at) is when it was checked. To keep using it for a long
    /// job, hand it to [`SessionManager::from_session`](crate::SessionManager::from_session),
    /// which handles its expiry, but cannot sign in again without a credential provider.
    ///
    /// Fails with [`Error::SessionExpired`] when the server does not know the token (401002),
    /// and [`Error::Configuration`] when it cannot be a header value. The token never appears
    /// in an error or a log.
    ///
    /// ```
    /// use tableau_auth::{Client, Credentials, Session};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let mock = tableau_mock_server::MockServer::start().await;
    /// # let creds = mock.default_credentials();
    /// let client = Client::builder().server_url(&mock.uri()).build()?;
    /// // Another program signed in and hands us its token.
    /// let theirs = client.sign_in(&Credentials::personal_access_token(creds.pat_name, creds.pat_secret)).await?;
    /// let token = theirs.token().clone();
    ///
    /// let session = Session::from_token(&client, token).await?;
    /// assert_eq!(session.user_id(), theirs.user_id());
    /// assert_eq!(session.site_content_url(), "");
    /// assert_eq!(session.credential_kind(), None);
    /// # Ok::<(), tableau_auth::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn from_token(
        client: &Client,
        token: impl Into<SecretString>,
    ) -> Result<Session, Error> {
        let token = token.into();
        let version = client.api_version().await?;
        client.require(Feature::CurrentSession).await?;
        let url = crate::session::api_url(client.server_url(), version, "sessions/current")?;
        let mut header = http::HeaderValue::from_str(secrecy::ExposeSecret::expose_secret(&token))
            .map_err(|_| {
                Error::Configuration("the session token is not a valid header value".into())
            })?;
        header.set_sensitive(true);
        let request = client
            .http()
            .get(url)
            .header(crate::AUTH_HEADER, header)
            .header(ACCEPT, client.format().media_type())
            .build()
            .map_err(Error::from_reqwest)?;
        let response = client
            .transport()
            .execute(request, Replay::Safe, Follow::SameOrigin)
            .await?;
        let now = client.now();
        let body = if response.status().is_success() {
            response.bytes().await.map_err(Error::from_reqwest)?
        } else {
            return Err(error_from_response(response, &Call::CheckToken, now).await);
        };
        let current = CurrentSession::parse(&body)?;
        let session =
            Session::from_current(token, current, version, now, client.server_url().clone());
        tracing::info!(
            site = session.site_content_url(),
            site_id = session.site_id(),
            user_id = session.user_id(),
            "checked a session token"
        );
        Ok(session)
    }
}

impl Client {
    /// `POST auth/signout`. A token the server no longer knows (401002) counts as already
    /// signed out, so this succeeds after expiry too.
    pub async fn sign_out(&self, session: &Session) -> Result<(), Error> {
        let request = self
            .authenticated(session, Method::POST, "auth/signout")?
            .build()
            .map_err(Error::from_reqwest)?;
        let response = self
            .transport()
            .execute(request, Replay::Safe, Follow::SameOrigin)
            .await?;
        if response.status().is_success() {
            tracing::info!(site_id = session.site_id(), "signed out");
            return Ok(());
        }
        let call = self.call(session, &Method::POST, "auth/signout");
        match error_from_response(response, &call, self.now()).await {
            err if err.tableau_code() == Some(ErrorCode::INVALID_CREDENTIALS) => {
                tracing::debug!("sign-out: the session had already ended");
                Ok(())
            }
            err => Err(err),
        }
    }

    /// `POST auth/switchSite` (Tableau Server only). Returns the new session; the old token
    /// is dead afterwards. Switching to the session's own site (403070) returns a clone of
    /// `session`.
    pub async fn switch_site(
        &self,
        session: &Session,
        content_url: &str,
    ) -> Result<Session, Error> {
        if !session.api_version().supports(Feature::SwitchSite) {
            return Err(Error::unsupported(
                Feature::SwitchSite,
                session.api_version(),
            ));
        }
        let body = SwitchSiteRequest::new(content_url).render(self.format())?;
        let request = self
            .authenticated(session, Method::POST, "auth/switchSite")?
            .header(CONTENT_TYPE, body.content_type())
            .body(body.expose_secret().to_owned())
            .build()
            .map_err(Error::from_reqwest)?;
        let response = self
            .transport()
            .execute(request, Replay::OnlyIfNotSent, Follow::SameOrigin)
            .await?;
        let call = self.call(session, &Method::POST, "auth/switchSite");
        let (status, bytes) = match read_success(response, &call, self.now()).await {
            Ok(ok) => ok,
            Err(err) if err.tableau_code() == Some(ErrorCode::SAME_SITE) => {
                tracing::debug!("switch site: already on that site");
                return Ok(session.clone());
            }
            Err(err) => return Err(err),
        };
        let parsed = SignInResponse::parse(&bytes).map_err(|e| e.with_status(status))?;
        let switched = Session::switched(parsed, session, self.now());
        tracing::info!(
            site = switched.site_content_url(),
            site_id = switched.site_id(),
            "switched site"
        );
        Ok(switched)
    }

    /// `GET sessions/current`: the site and user of the session (REST API 3.1+).
    pub async fn current_session(&self, session: &Session) -> Result<CurrentSession, Error> {
        if !session.api_version().supports(Feature::CurrentSession) {
            return Err(Error::unsupported(
                Feature::CurrentSession,
                session.api_version(),
            ));
        }
        let body = self.get(session, "sessions/current").await?;
        Ok(CurrentSession::parse(&body)?)
    }

    /// `GET sites/{site-luid}/users/{user-luid}` on the session's site.
    pub async fn get_user(&self, session: &Session, user_id: &str) -> Result<UserDetails, Error> {
        let path = format!("sites/{}/users/{}", session.site_id(), user_id);
        let body = self.get(session, &path).await?;
        Ok(UserDetails::parse(&body)?)
    }

    async fn get(&self, session: &Session, path: &str) -> Result<Vec<u8>, Error> {
        let request = self
            .authenticated(session, Method::GET, path)?
            .build()
            .map_err(Error::from_reqwest)?;
        let response = self
            .transport()
            .execute(request, Replay::Safe, Follow::SameOrigin)
            .await?;
        let call = self.call(session, &Method::GET, path);
        let (_status, body) = read_success(response, &call, self.now()).await?;
        Ok(body)
    }

    /// What a bare client knows of an authenticated call, for judging its answer.
    fn call<'a>(&'a self, session: &'a Session, method: &'a Method, path: &'a str) -> Call<'a> {
        Call::Authenticated {
            session,
            request: Some((method, path)),
            usage: Usage::from_age(session, self.now()),
            configured: self.server_url(),
        }
    }
}
