//! Captures everything the server logs in this test process, so tests can
//! prove that no personal data reached a log line.

use std::io::Write;
use std::sync::{Mutex, Once};

static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INIT: Once = Once::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BUFFER.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber at the most verbose level the server
/// uses (debug), once per test process.
pub fn install() {
    INIT.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,sqlx=info,hyper=info,h2=info,reqwest=info,rustls=info",
            ))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Everything logged so far in this process.
pub fn text() -> String {
    String::from_utf8_lossy(&BUFFER.lock().expect("log buffer")).into_owned()
}
