//! `$ZOO_DATA_DIR` comes before the cache and system folders (its own process: it sets the
//! environment).

#![allow(unsafe_code)]

use std::path::PathBuf;

use zoo_datasets::{DATA_DIR_ENV, DatasetKind, LoadOptions, search_path};

#[test]
fn environment_variable_then_cache_then_system() {
    // SAFETY: this test binary has a single test and no other thread reads the environment.
    unsafe { std::env::set_var(DATA_DIR_ENV, "/data/zoo") };
    let path = search_path(DatasetKind::FashionMnist, &LoadOptions::default());
    assert_eq!(path[0], PathBuf::from("/data/zoo/fashion-mnist"));
    assert_eq!(path[1], PathBuf::from("/data/zoo"));
    assert!(path[2].ends_with("cnn-zoo/fashion-mnist"), "{path:?}");
    assert_eq!(
        path.last().unwrap(),
        &PathBuf::from("/usr/share/datasets/fashion-mnist")
    );
}
