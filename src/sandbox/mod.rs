//! Loopback fakes of the remote services, built from the real APIs' shapes, with their error
//! modes. Used by the tests, `legion-hub sandbox` and `legion-hub demo`; nothing else depends
//! on this module.

pub mod gemini;

use serde::Serialize;

/// The base URLs of the running fakes, as `legion-hub sandbox` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxUrls {
    pub gemini: String,
}

/// Every fake, running until dropped.
pub struct Sandbox {
    pub gemini: gemini::GeminiSandbox,
}

impl Sandbox {
    pub async fn start() -> std::io::Result<Sandbox> {
        Ok(Sandbox {
            gemini: gemini::GeminiSandbox::start().await?,
        })
    }

    pub fn urls(&self) -> SandboxUrls {
        SandboxUrls {
            gemini: self.gemini.base_url(),
        }
    }
}
