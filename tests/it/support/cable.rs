//! A cable the test can cut: a loopback TCP relay between the hub and a server. `cut` shuts every
//! connection through it at once, in whatever state it is (mid-query, mid-commit), as a network
//! drop would look to both ends; new connections are relayed again right after.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub struct Cable {
    port: u16,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Cable {
    /// Relays 127.0.0.1:(a free port) to 127.0.0.1:`to`.
    pub fn to(to: u16) -> Cable {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port for the cable");
        let port = listener.local_addr().unwrap().port();
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let kept = live.clone();
        std::thread::spawn(move || {
            for near in listener.incoming().flatten() {
                // The server down: the hub sees the connection closed, as it would see a refusal.
                let Ok(far) = TcpStream::connect(("127.0.0.1", to)) else {
                    continue;
                };
                let _ = near.set_nodelay(true);
                let _ = far.set_nodelay(true);
                let mut live = kept.lock().unwrap();
                for stream in [&near, &far] {
                    if let Ok(clone) = stream.try_clone() {
                        live.push(clone);
                    }
                }
                relay(&near, &far);
                relay(&far, &near);
            }
        });
        Cable { port, live }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cuts every connection now.
    pub fn cut(&self) {
        let mut live = self.live.lock().unwrap();
        for stream in live.iter() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        live.clear();
    }
}

/// Copies `from` into `to` on its own thread until either end closes.
fn relay(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}
