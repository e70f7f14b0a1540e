//! `token`, `whoami` and `sign-out`.

use serde_json::json;
use tableau_auth::ExposeSecret;

use crate::config::{self, Setup};
use crate::output::{self, rfc3339};
use crate::{Failure, Format};

/// `tableau-auth token`: the token alone on stdout (or the JSON object).
pub(crate) async fn token(format: Format) -> Result<u8, Failure> {
    let setup = config::setup()?;
    let session = setup
        .manager
        .session()
        .await
        .map_err(|err| Failure::from_error(&err))?;
    match format {
        Format::Text => output::line(session.token().expose_secret()),
        Format::Json => output::line(
            &json!({
                "token": session.token().expose_secret(),
                "site": session.site_content_url(),
                "siteId": session.site_id(),
                "userId": session.user_id(),
                "expiresAt": session.pat_expires_at().and_then(rfc3339),
            })
            .to_string(),
        ),
    }
    Ok(0)
}

/// `tableau-auth whoami`: who the session is, and where it came from.
pub(crate) async fn whoami(format: Format) -> Result<u8, Failure> {
    let setup = config::setup()?;
    let session = setup
        .manager
        .session()
        .await
        .map_err(|err| Failure::from_error(&err))?;
    let current = setup
        .client
        .current_session(&session)
        .await
        .map_err(|err| Failure::from_error(&err))?;
    let source = session_source(&setup);
    match format {
        Format::Text => {
            let site = match current.site.name.as_deref() {
                Some(name) => format!("{name} (contentUrl \"{}\")", current.site.content_url),
                None => format!("contentUrl \"{}\"", current.site.content_url),
            };
            let lines = [
                ("server", session.server_url().to_string()),
                ("api version", session.api_version().to_string()),
                ("site", format!("{site}, id {}", current.site.id)),
                (
                    "user",
                    format!(
                        "{}, id {}",
                        current.user.name.as_deref().unwrap_or("(unnamed)"),
                        current.user.id
                    ),
                ),
                (
                    "role",
                    current
                        .user
                        .site_role
                        .clone()
                        .unwrap_or_else(|| "(not given)".into()),
                ),
                ("credential", setup.kind.label().to_owned()),
                ("session", source.text),
            ];
            let text: Vec<String> = lines
                .iter()
                .map(|(label, value)| format!("{:<12} {value}", format!("{label}:")))
                .collect();
            output::line(&text.join("\n"));
        }
        Format::Json => output::line(
            &json!({
                "server": session.server_url().as_str(),
                "apiVersion": session.api_version().to_string(),
                "site": {
                    "id": current.site.id,
                    "name": current.site.name,
                    "contentUrl": current.site.content_url,
                },
                "user": {
                    "id": current.user.id,
                    "name": current.user.name,
                    "siteRole": current.user.site_role,
                },
                "credentialKind": setup.kind.as_str(),
                "sessionSource": {
                    "origin": source.origin,
                    "store": source.store,
                },
            })
            .to_string(),
        ),
    }
    Ok(0)
}

/// Where the session came from, for `whoami`.
struct Source {
    text: String,
    origin: &'static str,
    store: Option<String>,
}

fn session_source(setup: &Setup) -> Source {
    match &setup.shared {
        None => Source {
            text: "signed in by this process (no session store: TABLEAU_SESSION_STORE=none)".into(),
            origin: "signed-in",
            store: None,
        },
        Some(shared) => {
            let store = shared.store().describe();
            let origin = shared.last_origin();
            let (text, name) = match origin {
                Some(tableau_auth::SessionOrigin::Stored) => ("taken from the store", "stored"),
                _ => ("signed in by this process and stored", "signed-in"),
            };
            Source {
                text: format!("{text} ({store})"),
                origin: name,
                store: Some(store),
            }
        }
    }
}

/// `tableau-auth sign-out`: ends the shared session for everyone and removes it.
pub(crate) async fn sign_out() -> Result<u8, Failure> {
    let setup = config::setup()?;
    let Some(shared) = &setup.shared else {
        eprintln!(
            "tableau-auth: no session store (TABLEAU_SESSION_STORE={}): there is no shared \
             session to end",
            setup.setting
        );
        return Ok(0);
    };
    let store = shared.store().describe();
    let ended = shared
        .sign_out(None)
        .await
        .map_err(|err| Failure::from_error(&err))?;
    if ended {
        eprintln!("tableau-auth: signed out the shared session and removed it from {store}");
    } else {
        eprintln!("tableau-auth: no shared session in {store}; nothing to sign out");
    }
    Ok(0)
}
