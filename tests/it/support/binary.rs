//! The real binary, shut in a test's folder: every path it could touch is inside `dir` (data in
//! `dir/data`), nothing of the developer's own setup reaches it (keys, config, logging, an SSH
//! session), and Gemini points at a closed port so nothing reaches the internet. Tests that need
//! a sandbox point it there after.

use std::path::Path;
use std::process::Command;

/// The binary in `dir`.
pub fn in_dir(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_legion-hub"));
    shut_in(&mut cmd, dir);
    cmd
}

/// Shuts an already made command (one with its own spawn settings) in `dir`.
pub fn shut_in<'a>(cmd: &'a mut Command, dir: &Path) -> &'a mut Command {
    cmd.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("share"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("LEGION_HUB_CONFIG")
        .env_remove("LEGION_HUB_MASTER_KEY")
        .env_remove("LEGION_HUB_NEW_MASTER_KEY")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_GEMINI_API_KEY")
        .env_remove("MINDBODY_API_KEY")
        .env_remove("MINDBODY_CLIENT_SECRET")
        .env_remove("SSH_CONNECTION")
        .env_remove("RUST_LOG")
        .env("LEGION_HUB_GEMINI_BASE_URL", "http://127.0.0.1:9")
        .env("LEGION_HUB_DATA_DIR", dir.join("data"))
}

/// Points the binary's Mindbody addresses at the sandbox.
pub fn at_mindbody<'a>(
    cmd: &'a mut Command,
    sandbox: &legion_hub::sandbox::mindbody::MindbodySandbox,
) -> &'a mut Command {
    cmd.env("LEGION_HUB_MINDBODY_AUTHORIZE_URL", sandbox.authorize_url())
        .env("LEGION_HUB_MINDBODY_TOKEN_URL", sandbox.token_url())
        .env("LEGION_HUB_MINDBODY_API_URL", sandbox.api_url())
        .env(
            "LEGION_HUB_MINDBODY_REVOCATION_URL",
            sandbox.revocation_url(),
        )
}

/// Runs the binary shut in `dir` with no input: its exit code (-1 when a signal ended it),
/// stdout and stderr as text.
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = in_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
