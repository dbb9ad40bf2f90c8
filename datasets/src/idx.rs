//! The IDX format of MNIST and Fashion-MNIST, gzipped or not.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::error::{DatasetError, Result};

/// An unsigned-byte IDX array: its dimensions and its data, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions (`[n]` for labels, `[n, 28, 28]` for images).
    pub dims: Vec<usize>,
    /// The values.
    pub data: Vec<u8>,
}

/// Reads a whole file, decompressing it when its name ends in `.gz`.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
    if path.extension().is_some_and(|ext| ext == "gz") {
        gunzip(path, &raw)
    } else {
        Ok(raw)
    }
}

/// Decompresses gzip bytes; `path` names them in the error.
pub fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 4);
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| DatasetError::format(path, format!("not a valid gzip file ({e})")))?;
    Ok(out)
}

/// Parses an IDX file of unsigned bytes with `expected_rank` dimensions.
///
/// Refuses a wrong magic number, a data type other than `u8`, a different rank, a file shorter
/// than its header announces (truncated) or longer (trailing bytes).
pub fn parse_idx(path: &Path, bytes: &[u8], expected_rank: usize) -> Result<IdxArray> {
    if bytes.len() < 4 {
        return Err(DatasetError::Truncated {
            path: path.into(),
            what: "the IDX magic number".into(),
            expected: 4,
            actual: bytes.len(),
        });
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(DatasetError::format(
            path,
            format!(
                "not an IDX file: magic number {:02x}{:02x}{:02x}{:02x} does not start with 0000",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(DatasetError::format(
            path,
            format!(
                "IDX data type 0x{:02x} is not unsigned bytes (0x08)",
                bytes[2]
            ),
        ));
    }
    let rank = bytes[3] as usize;
    if rank != expected_rank {
        return Err(DatasetError::format(
            path,
            format!("IDX file has {rank} dimensions, expected {expected_rank}"),
        ));
    }
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(DatasetError::Truncated {
            path: path.into(),
            what: "the IDX header".into(),
            expected: header,
            actual: bytes.len(),
        });
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|count| count.checked_add(header))
        .ok_or_else(|| DatasetError::format(path, format!("IDX dimensions {dims:?} overflow")))?;
    match bytes.len().cmp(&expected) {
        std::cmp::Ordering::Less => Err(DatasetError::Truncated {
            path: path.into(),
            what: format!("an IDX array of {dims:?}"),
            expected,
            actual: bytes.len(),
        }),
        std::cmp::Ordering::Greater => Err(DatasetError::format(
            path,
            format!(
                "{} trailing bytes after the IDX array of {dims:?}",
                bytes.len() - expected
            ),
        )),
        std::cmp::Ordering::Equal => Ok(IdxArray {
            dims,
            data: bytes[header..].to_vec(),
        }),
    }
}

/// Reads and parses an IDX file (`.gz` or plain).
pub fn read_idx(path: &Path, expected_rank: usize) -> Result<IdxArray> {
    let bytes = read_maybe_gz(path)?;
    parse_idx(path, &bytes, expected_rank)
}

/// Encodes an IDX array of unsigned bytes (used to write test fixtures and subsets).
pub fn encode_idx(array: &IdxArray) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, array.dims.len() as u8];
    for &d in &array.dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(&array.data);
    out
}

/// Finds `name` or `name.gz` in `dir`, preferring the uncompressed file.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdxArray {
        IdxArray {
            dims: vec![2, 2, 3],
            data: (0..12).collect(),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode_idx(&sample());
        assert_eq!(parse_idx(Path::new("x"), &bytes, 3).unwrap(), sample());
    }

    #[test]
    fn wrong_magic_is_refused() {
        let mut bytes = encode_idx(&sample());
        bytes[0] = 0x1f;
        let err = parse_idx(Path::new("f.idx"), &bytes, 3).unwrap_err();
        assert!(err.to_string().contains("f.idx: not an IDX file"), "{err}");
    }

    #[test]
    fn wrong_rank_and_type_are_refused() {
        let bytes = encode_idx(&sample());
        let err = parse_idx(Path::new("f"), &bytes, 1).unwrap_err();
        assert!(
            err.to_string().contains("3 dimensions, expected 1"),
            "{err}"
        );
        let mut bytes = bytes;
        bytes[2] = 0x0d;
        let err = parse_idx(Path::new("f"), &bytes, 3).unwrap_err();
        assert!(err.to_string().contains("not unsigned bytes"), "{err}");
    }

    #[test]
    fn truncated_and_trailing_are_refused() {
        let bytes = encode_idx(&sample());
        let err = parse_idx(Path::new("f"), &bytes[..bytes.len() - 1], 3).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::Truncated {
                    expected: 28,
                    actual: 27,
                    ..
                }
            ),
            "{err}"
        );
        let err = parse_idx(Path::new("f"), &bytes[..6], 3).unwrap_err();
        assert!(matches!(err, DatasetError::Truncated { .. }), "{err}");
        let mut long = bytes.clone();
        long.push(0);
        let err = parse_idx(Path::new("f"), &long, 3).unwrap_err();
        assert!(err.to_string().contains("1 trailing bytes"), "{err}");
    }
}
