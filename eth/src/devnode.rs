//! A local development chain for tests and demos: the anvil binary that the pinned npm
//! package `@foundry-rs/anvil` ships, started directly on a free loopback port and stopped
//! by pid when dropped. Nothing here reaches beyond 127.0.0.1.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::EthError;

/// anvil's first development account key: public knowledge, for test chains only.
pub const DANGER_ANVIL_DEV_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// How long [`DevNode::start`] waits for the node to listen.
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Where the anvil binary of this platform lives under an npm `node_modules` folder
/// (`@foundry-rs/anvil-<os>-<arch>/bin/anvil`), if it is installed there.
pub fn anvil_binary(node_modules: &Path) -> Option<PathBuf> {
    let platform = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-amd64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-amd64",
        ("macos", "aarch64") => "darwin-arm64",
        _ => return None,
    };
    let binary = node_modules.join(format!("@foundry-rs/anvil-{platform}/bin/anvil"));
    binary.exists().then_some(binary)
}

/// A running development node, killed (its pid only) when dropped.
pub struct DevNode {
    child: Child,
    url: String,
}

impl DevNode {
    /// Starts `binary` (anvil) on a free port of 127.0.0.1 and waits until it listens.
    ///
    /// # Errors
    /// [`EthError::DevNodeStart`] if it cannot be spawned, [`EthError::DevNodeTimeout`]
    /// if it does not listen within 30 s (it is killed then).
    pub fn start(binary: &Path) -> Result<DevNode, EthError> {
        let start_error = |source| EthError::DevNodeStart {
            binary: binary.to_path_buf(),
            source,
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(start_error)?
            .port();
        let child = Command::new(binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(start_error)?;
        let node = DevNode {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + START_DEADLINE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() >= deadline {
                return Err(EthError::DevNodeTimeout {
                    port,
                    seconds: START_DEADLINE.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(node)
    }

    /// The node's JSON-RPC URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        // Child::kill signals this child's pid only; the node keeps no state on disk.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
