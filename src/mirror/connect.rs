//! One connection to the mirror's Postgres. TLS as the URL's `sslmode` says (`disable`,
//! `prefer`, the default, or `require`), checked against the system's roots as every other
//! connection of the hub's is; a connection that cannot be made in ten seconds is given up.

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config, NoTls};

use super::MirrorError;
use crate::secret::Secret;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a URL points, without its password: `db.example.com:5432/legion`.
pub fn describe(url: &Secret) -> String {
    match url.expose().parse::<Config>() {
        Ok(config) => describe_config(&config),
        Err(_) => "(an unreadable URL)".into(),
    }
}

fn describe_config(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or("postgres");
    format!("{host}:{port}/{database}")
}

/// Connects, and runs the connection on its own task until the client is dropped.
pub async fn connect(url: &Secret) -> Result<Client, MirrorError> {
    let mut config: Config = url
        .expose()
        .parse()
        .map_err(|e: tokio_postgres::Error| MirrorError::BadUrl(e.to_string()))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("legion-hub");
    let target = describe_config(&config);
    let unreachable = |e: tokio_postgres::Error| MirrorError::Unreachable {
        target: target.clone(),
        reason: say(&e),
    };
    let client = if config.get_ssl_mode() == SslMode::Disable {
        let (client, connection) = config.connect(NoTls).await.map_err(unreachable)?;
        tokio::spawn(watch(connection));
        client
    } else {
        let (client, connection) = config.connect(tls()?).await.map_err(unreachable)?;
        tokio::spawn(watch(connection));
        client
    };
    // Times are compared and printed in UTC on both sides.
    client
        .batch_execute("SET TIME ZONE 'UTC'")
        .await
        .map_err(|e| MirrorError::Refused {
            target: target.clone(),
            reason: say(&e),
        })?;
    Ok(client)
}

async fn watch<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::warn!("the mirror's Postgres connection ended: {}", say(&e));
    }
}

fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, MirrorError> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| MirrorError::BadUrl(format!("the system's TLS roots: {e}")))?;
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A Postgres error in words: the server's own message when it sent one.
pub fn say(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text = format!("{text}: {inner}");
                source = inner.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_described_without_its_password() {
        let url = Secret::new("postgres://hub:hunter2@db.example.com:6543/legion?sslmode=require");
        assert_eq!(describe(&url), "db.example.com:6543/legion");
        assert_eq!(
            describe(&Secret::new("not a url ::")),
            "(an unreadable URL)"
        );
    }
}
