//! The owner's side: a thread that rewrites the snapshot after the hub is written (a short
//! pause gathers a burst, as a sync writes many times a second), and the last write when the
//! store is let go.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{LiveHub, Reads, Target};

/// Quiet this long after a write before the snapshot is made...
const QUIET: Duration = Duration::from_millis(50);
/// ...but no longer than this after the first write of a burst.
const AT_MOST: Duration = Duration::from_millis(500);

pub(crate) struct Keeper {
    target: Arc<Target>,
    reads: Mutex<Option<Reads>>,
    wake: Mutex<Option<Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Keeper {
    pub(crate) fn new(hub: LiveHub, hub_dir: &Path, data_dir: &Path) -> Keeper {
        Keeper {
            target: Arc::new(Target::new(hub, hub_dir, data_dir)),
            reads: Mutex::new(None),
            wake: Mutex::new(None),
            thread: Mutex::new(None),
        }
    }

    /// From now on the snapshot is kept with `reads`; after each change too when asked.
    pub(crate) fn keep(&self, reads: Reads, after_each_change: bool) {
        *self.reads.lock().unwrap_or_else(|e| e.into_inner()) = Some(reads.clone());
        if after_each_change {
            let (wake, woken) = mpsc::channel();
            let target = self.target.clone();
            let spawned = std::thread::Builder::new()
                .name("status-snapshot".into())
                .spawn(move || run(&target, &reads, &woken));
            if let Ok(handle) = spawned {
                *self.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
                *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = Some(wake);
            }
            self.poke();
        }
    }

    /// The hub was written.
    pub(crate) fn poke(&self) {
        if let Some(wake) = self.wake.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = wake.send(());
        }
    }
}

fn run(target: &Target, reads: &Reads, woken: &Receiver<()>) {
    while woken.recv().is_ok() {
        let first = Instant::now();
        loop {
            match woken.recv_timeout(QUIET) {
                Ok(()) if first.elapsed() < AT_MOST => {}
                Ok(()) | Err(RecvTimeoutError::Timeout) => break,
                // The store is being let go: its last write follows there.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        target.write(reads);
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        drop(self.wake.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(thread) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = thread.join();
        }
        if let Some(reads) = self.reads.lock().unwrap_or_else(|e| e.into_inner()).take() {
            self.target.write(&reads);
        }
    }
}
