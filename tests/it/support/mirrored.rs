//! `serve` with the Postgres mirror on, set as a studio sets it: the studio's id in the config
//! file, the URL (which may hold a password) in the environment.

use std::path::Path;

use legion_hub::sandbox::Sandbox;

use super::serving::Serving;

/// `serve` on `dir`, mirroring `studio`'s rows into the `hub` database at 127.0.0.1:`postgres_port`.
pub async fn serve(
    dir: &Path,
    sandbox: &Sandbox,
    port: u16,
    postgres_port: u16,
    studio: &str,
) -> Serving {
    let config = dir.join("mirrored.toml");
    std::fs::write(&config, format!("[mirror]\nstudio_id = \"{studio}\"\n")).unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{postgres_port}/hub?sslmode=disable");
    Serving::start_with(dir, sandbox, port, |cmd| {
        cmd.env("LEGION_HUB_CONFIG", &config)
            .env(legion_hub::mirror::settings::URL_ENV, url);
    })
    .await
}
