//! One sign-in from start to tokens: the authorize address shown (and opened, where a browser
//! can be), then whichever comes first of the loopback callback and an address pasted back by
//! the user, then the code exchanged. Bounded by a timeout and cancellable.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::OAuthError;
use super::browser::BrowserOpener;
use super::callback::read_callback;
use super::client::OAuthApp;
use super::listener::Listener;
pub use crate::api::sign_in::SignIn;
use crate::store::TokenSet;

/// An address pasted by the user, with where to say whether it was taken.
pub struct Paste {
    pub address: String,
    pub reply: oneshot::Sender<Result<(), OAuthError>>,
}

pub struct FlowOptions {
    pub timeout: Duration,
    /// None: show the address only (SSH, no display, `--no-browser`).
    pub browser: Option<Arc<dyn BrowserOpener>>,
}

pub async fn run(
    http: &reqwest::Client,
    app: &OAuthApp,
    provider: &str,
    options: FlowOptions,
    mut pastes: mpsc::Receiver<Paste>,
    cancel: CancellationToken,
    on_ready: impl FnOnce(SignIn),
) -> Result<TokenSet, OAuthError> {
    let authorization = app.authorize()?;
    // Bind before showing the address, so a fast browser never finds nobody home.
    let (listener, listener_error) = match Listener::bind(&app.redirect_uri).await {
        Ok(listener) => (Some(listener), None),
        // Without a browser here the paste-back path still works; with one, say why not.
        Err(error) if options.browser.is_none() => (None, Some(error.to_string())),
        Err(error) => return Err(error),
    };
    let listening_port = listener.as_ref().and_then(Listener::port);
    let browser_opened = match &options.browser {
        Some(browser) => browser.open(&authorization.url).is_ok(),
        None => false,
    };
    on_ready(SignIn {
        url: authorization.url.clone(),
        browser_opened,
        listening_port,
        listener_error,
    });

    let state = authorization.state.clone();
    let from_listener = async {
        match listener {
            Some(listener) => listener.wait(state.clone(), provider).await,
            None => std::future::pending().await,
        }
    };
    let from_paste = async {
        while let Some(paste) = pastes.recv().await {
            match read_callback(&paste.address, &app.redirect_uri, &state) {
                Ok(code) => {
                    let _ = paste.reply.send(Ok(()));
                    return Ok(code);
                }
                Err(error @ OAuthError::Denied { .. }) => {
                    let _ = paste.reply.send(Err(error.clone()));
                    return Err(error);
                }
                // A wrong or forged address: say so, keep waiting for the right one.
                Err(error) => {
                    let _ = paste.reply.send(Err(error));
                }
            }
        }
        std::future::pending().await
    };
    let code = tokio::select! {
        code = from_listener => code?,
        code = from_paste => code?,
        _ = tokio::time::sleep(options.timeout) => {
            return Err(OAuthError::TimedOut { minutes: options.timeout.as_secs().div_ceil(60) });
        }
        _ = cancel.cancelled() => return Err(OAuthError::Cancelled),
    };
    tokio::select! {
        tokens = app.exchange(http, &code, authorization.verifier) => tokens,
        _ = cancel.cancelled() => Err(OAuthError::Cancelled),
    }
}
