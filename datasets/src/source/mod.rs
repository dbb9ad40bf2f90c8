//! Which datasets exist ([`kind`]), where they are looked for ([`search`]), loading one from a
//! folder ([`load_dir`]) and the subset shipped in this crate ([`bundled`]).

pub mod bundled;
pub mod kind;
pub mod load_dir;
pub mod search;

pub use bundled::bundled_fashion_mnist;
pub use kind::DatasetKind;
pub use load_dir::load_from;
pub use search::{
    DATA_DIR_ENV, LoadOptions, LoadedDataset, Location, cache_dir, load, load_searching,
    search_path,
};

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn names_parse_and_print() {
        for kind in DatasetKind::ALL {
            assert_eq!(kind.id().parse::<DatasetKind>().unwrap(), kind);
        }
        assert_eq!(
            "Fashion_MNIST".parse::<DatasetKind>().unwrap(),
            DatasetKind::FashionMnist
        );
        let err = "imagenet".parse::<DatasetKind>().unwrap_err();
        assert!(
            err.to_string().contains("known: fashion-mnist, mnist"),
            "{err}"
        );
    }

    #[test]
    fn explicit_dir_is_the_only_place_searched() {
        let opts = LoadOptions {
            data_dir: Some("/data/x".into()),
            ..Default::default()
        };
        let path = search_path(DatasetKind::Cifar10, &opts);
        assert_eq!(
            path,
            vec![PathBuf::from("/data/x"), PathBuf::from("/data/x/cifar10")]
        );
    }

    #[test]
    fn every_remote_has_a_file_name_and_an_md5() {
        for kind in DatasetKind::ALL {
            for remote in kind.remotes() {
                assert!(remote.url.starts_with("http"), "{}", remote.url);
                assert_eq!(remote.md5.len(), 32, "{}", remote.url);
                assert!(remote.md5.chars().all(|c| c.is_ascii_hexdigit()));
            }
        }
        let names: Vec<&str> = DatasetKind::FashionMnist
            .remotes()
            .iter()
            .map(|r| r.file_name())
            .collect();
        assert_eq!(names[0], "train-images-idx3-ubyte.gz");
        assert_eq!(
            DatasetKind::Cifar10.remotes()[0].file_name(),
            "cifar-10-binary.tar.gz"
        );
    }
}
