//! The authenticated calls of [`Client`]: sign out, switch site, current session, user.

use http::Method;
use http::header::CONTENT_TYPE;
use tableau_auth_core::{
    CurrentSession, ErrorCode, Feature, SignInResponse, SwitchSiteRequest, UserDetails,
};

use crate::client::Client;
use crate::error::Error;
use crate::responses::{Call, error_from_response, read_success};
use crate::session::Session;
use crate::transport::{Follow, Replay};

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
        let call = Call::Authenticated { session };
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
        let call = Call::Authenticated { session };
        let (status, bytes) = match read_success(response, &call, self.now()).await {
            Ok(ok) => ok,
            Err(err) if err.tableau_code() == Some(ErrorCode::SAME_SITE) => {
                tracing::debug!("switch site: already on that site");
                return Ok(session.clone());
            }
            Err(err) => return Err(err),
        };
        let parsed = SignInResponse::parse(&bytes).map_err(|e| e.with_status(status))?;
        let switched = Session::new(
            parsed,
            session.api_version(),
            session.credential_kind(),
            self.now(),
            session.server_url().clone(),
        );
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
        let call = Call::Authenticated { session };
        let (_status, body) = read_success(response, &call, self.now()).await?;
        Ok(body)
    }
}
