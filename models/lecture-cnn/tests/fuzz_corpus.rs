//! Replays every committed fuzz input (`fuzz/corpus/<target>/`) through the same code the fuzz
//! targets run (`fuzz/harness.rs`): each must be handled, as a value or an error, without a
//! panic. Fuzzing itself runs outside CI (`bash fuzz/run.sh`, docs/reliability.md).

#[path = "../../../fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_committed_fuzz_input_is_handled_without_a_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (target, run) in harness::TARGETS {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "{target}: {} panicked", file.display());
        }
        println!("{target}: {} inputs", files.len());
    }
}
