//! Downloads of the official archives (and published weights) into the cache, each verified
//! against its published checksum: an MD5, or the SHA-256 prefix that PyTorch puts in its file
//! names (`vgg16-397923af.pth`).

use std::io::Read;
#[cfg(feature = "download")]
use std::io::Write;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use sha2::Sha256;

use crate::error::{DatasetError, Result};

/// A file to fetch: its address and its published MD5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// Where to get it.
    pub url: &'static str,
    /// Its published MD5, lowercase hex.
    pub md5: &'static str,
}

impl Remote {
    /// A file at `url` with the published checksum `md5`.
    pub const fn new(url: &'static str, md5: &'static str) -> Self {
        Self { url, md5 }
    }

    /// The file name at the end of the address.
    pub fn file_name(&self) -> &'static str {
        self.url.rsplit('/').next().unwrap_or(self.url)
    }
}

/// What a downloaded file must hash to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum<'a> {
    /// The whole MD5, lowercase hex.
    Md5(&'a str),
    /// The first hex digits of the SHA-256 (PyTorch's `check_hash`: the suffix of the file name).
    Sha256Prefix(&'a str),
}

impl Checksum<'_> {
    /// The digest of `reader` in this checksum's kind, lowercase hex (the whole digest).
    fn digest(&self, reader: impl Read) -> std::io::Result<String> {
        match self {
            Checksum::Md5(_) => hex_digest::<Md5>(reader),
            Checksum::Sha256Prefix(_) => hex_digest::<Sha256>(reader),
        }
    }

    fn matches(&self, actual: &str) -> bool {
        match self {
            Checksum::Md5(expected) => actual == *expected,
            Checksum::Sha256Prefix(prefix) => !prefix.is_empty() && actual.starts_with(prefix),
        }
    }

    fn expected(&self) -> &str {
        match self {
            Checksum::Md5(e) | Checksum::Sha256Prefix(e) => e,
        }
    }
}

/// The MD5 of a byte stream, lowercase hex.
pub fn md5_hex(reader: impl Read) -> std::io::Result<String> {
    hex_digest::<Md5>(reader)
}

/// The SHA-256 of a byte stream, lowercase hex.
pub fn sha256_hex(reader: impl Read) -> std::io::Result<String> {
    hex_digest::<Sha256>(reader)
}

fn hex_digest<H: Digest>(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = H::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Checks `path` against `expected`; a mismatching file is removed so a later run downloads it
/// again.
pub fn verify_md5(path: &Path, expected: &str) -> Result<()> {
    verify(path, Checksum::Md5(expected))
}

/// Checks `path` against `checksum`; a mismatching file is removed so a later run downloads it
/// again.
pub fn verify(path: &Path, checksum: Checksum<'_>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| DatasetError::io(path, e))?;
    let actual = checksum
        .digest(std::io::BufReader::new(file))
        .map_err(|e| DatasetError::io(path, e))?;
    if !checksum.matches(&actual) {
        let _ = std::fs::remove_file(path);
        return Err(DatasetError::Checksum {
            path: path.into(),
            expected: checksum.expected().into(),
            actual,
        });
    }
    Ok(())
}

/// Downloads `remote` into `dir` unless a verified copy is already there; returns its path.
///
/// The body goes to `<name>.part` and is renamed only after its checksum matched, so an
/// interrupted download never leaves a file that looks complete.
pub fn fetch(remote: &Remote, dir: &Path) -> Result<PathBuf> {
    fetch_verified(
        remote.url,
        remote.file_name(),
        Checksum::Md5(remote.md5),
        dir,
    )
}

/// Downloads `url` into `dir/file_name` unless a copy matching `checksum` is already there;
/// returns its path. The body is streamed to `<name>.part` (never held in memory) and renamed
/// only after its checksum matched.
pub fn fetch_verified(
    url: &str,
    file_name: &str,
    checksum: Checksum<'_>,
    dir: &Path,
) -> Result<PathBuf> {
    let target = dir.join(file_name);
    if target.is_file() && verify(&target, checksum).is_ok() {
        return Ok(target);
    }
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::io(dir, e))?;
    let part = dir.join(format!("{file_name}.part"));
    download(url, &part)?;
    verify(&part, checksum)?;
    std::fs::rename(&part, &target).map_err(|e| DatasetError::io(&target, e))?;
    Ok(target)
}

#[cfg(feature = "download")]
fn download(url: &str, part: &Path) -> Result<()> {
    let fail = |reason: String| DatasetError::Download {
        url: url.into(),
        reason,
    };
    let agent = ureq::Agent::config_builder()
        .timeout_connect(Some(std::time::Duration::from_secs(15)))
        .build()
        .new_agent();
    let response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let mut body = response.into_body().into_reader();
    let mut out = std::fs::File::create(part).map_err(|e| DatasetError::io(part, e))?;
    eprintln!("downloading {url} ...");
    std::io::copy(&mut body, &mut out).map_err(|e| fail(e.to_string()))?;
    out.flush().map_err(|e| DatasetError::io(part, e))
}

/// Without the `download` feature nothing is fetched.
#[cfg(not(feature = "download"))]
fn download(url: &str, _part: &Path) -> Result<()> {
    Err(DatasetError::Download {
        url: url.into(),
        reason: "this build has no `download` feature".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_known_strings() {
        assert_eq!(
            md5_hex(&b""[..]).unwrap(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            md5_hex(&b"The quick brown fox jumps over the lazy dog"[..]).unwrap(),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }

    #[test]
    fn sha256_prefixes_as_pytorch_checks_them() {
        let digest = sha256_hex(&b"abc"[..]).unwrap();
        assert_eq!(
            digest,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(Checksum::Sha256Prefix("ba7816bf").matches(&digest));
        assert!(!Checksum::Sha256Prefix("397923af").matches(&digest));
        assert!(!Checksum::Sha256Prefix("").matches(&digest));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vgg16-397923af.pth");
        std::fs::write(&path, b"abc").unwrap();
        let err = verify(&path, Checksum::Sha256Prefix("397923af")).unwrap_err();
        assert!(err.to_string().contains("vgg16-397923af.pth"), "{err}");
        assert!(!path.exists(), "a file that does not match is removed");
    }

    #[test]
    fn checksum_mismatch_is_an_error_and_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gz");
        std::fs::write(&path, b"not the archive").unwrap();
        let err = verify_md5(&path, "8d4fb7e6c68d591d4c3dfef9ec88bf0d").unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(err.to_string().contains("x.gz"), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn a_verified_file_is_not_downloaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let content = b"cached";
        std::fs::write(dir.path().join("file.bin"), content).unwrap();
        let md5 = md5_hex(&content[..]).unwrap();
        // An address that cannot be reached: a cached, verified file must not touch it.
        let remote = Remote {
            url: "http://127.0.0.1:9/file.bin",
            md5: Box::leak(md5.into_boxed_str()),
        };
        assert_eq!(
            fetch(&remote, dir.path()).unwrap(),
            dir.path().join("file.bin")
        );
    }
}
