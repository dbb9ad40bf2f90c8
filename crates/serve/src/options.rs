//! What `serve` is told: where to listen and how much it accepts.

use std::net::{IpAddr, Ipv4Addr};

/// The address `serve` binds unless told otherwise: this machine only.
pub const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// The port `serve` listens on unless told otherwise (Gradio's, which Python users know).
pub const DEFAULT_PORT: u16 = 7860;
/// The largest upload accepted unless told otherwise, in MiB.
pub const DEFAULT_MAX_UPLOAD_MIB: usize = 10;
/// The feature maps kept unless told otherwise, in MiB (see [`ServeOptions::map_cache_bytes`]).
pub const DEFAULT_MAP_CACHE_MIB: usize = 128;
/// Bytes in a MiB.
pub const MIB: usize = 1024 * 1024;

/// Where the server listens and what it accepts.
///
/// ```
/// let options = zoo_serve::ServeOptions::default();
/// assert_eq!(options.host.to_string(), "127.0.0.1");
/// assert_eq!(options.max_upload_bytes, 10 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// The address to bind: 127.0.0.1 (this machine only) unless a user exposes it.
    pub host: IpAddr,
    /// The port; 0 lets the system choose a free one (the printed URL names it).
    pub port: u16,
    /// The largest request body accepted (an upload), in bytes; larger ones get 413.
    pub max_upload_bytes: usize,
    /// Feature maps kept for `/api/maps/...` (the most recent analyses), in bytes of values;
    /// the newest analysis is always kept. 128 MiB holds ~400 of the lecture CNN's (300 KiB
    /// each) or two of VGG-16's at 224x224 (60 MiB each).
    pub map_cache_bytes: usize,
    /// The largest shift, in pixels, along each axis.
    pub max_shift: i32,
    /// Requests with a body handled at once; further ones wait for a slot, which bounds the
    /// memory that uploads in flight hold.
    pub concurrent_uploads: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            host: DEFAULT_HOST,
            port: DEFAULT_PORT,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_MIB * MIB,
            map_cache_bytes: DEFAULT_MAP_CACHE_MIB * MIB,
            max_shift: 4,
            concurrent_uploads: 16,
        }
    }
}
