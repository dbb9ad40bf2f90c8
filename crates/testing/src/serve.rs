//! A model binary's `serve` as a child process, and plain HTTP/1.1 requests to it (no client
//! library: a request line, headers and a body over a `TcpStream`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::cli_command;

/// `<binary> serve --run <run> --port 0` on flex, with the URL it printed; killed when dropped
/// unless [`stop`](Self::stop)ped.
pub struct ServeProcess {
    child: Child,
    /// `http://127.0.0.1:<port>/`.
    pub url: String,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    output: mpsc::Receiver<String>,
}

impl ServeProcess {
    /// Starts the server and waits (up to two minutes) until it prints its URL.
    pub fn start(binary: &str, run: &Path) -> Self {
        let mut child = cli_command(binary)
            .args(["serve", "--run", run.to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
        let (lines, output) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = loop {
            let line = output
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("serve printed no URL within two minutes");
            if let Some(at) = line.find("http://127.0.0.1:") {
                break line[at..].split_whitespace().next().unwrap().to_string();
            }
        };
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        Self {
            child,
            url,
            addr,
            output,
        }
    }

    /// Sends one request; the status, the `Content-Type` and the body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(300)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head}"));
        let content_type = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-type")
                    .then(|| value.trim().to_string())
            })
            .unwrap_or_default();
        (status, content_type, response[split + 4..].to_vec())
    }

    /// Ctrl-C (SIGINT): the server must stop by itself with status 0 and print `stopped`.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve ended with {status} after Ctrl-C");
        let said: Vec<String> = self.output.try_iter().collect();
        assert!(said.iter().any(|l| l == "stopped"), "{said:?}");
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
