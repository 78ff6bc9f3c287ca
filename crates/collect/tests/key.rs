//! The pseudonym key is kept away from the data: with a copy of the data and the key, anyone
//! reverses pseudonyms by an HMAC over candidate handles.

use std::path::Path;
use std::sync::Arc;
use websense_collect::{Collector, Config, FileCursorStore, JsonlSink, SetupError};

fn setup(dir: &Path, privacy: &str, data_dirs: &[&str]) -> Result<(), SetupError> {
    let text = format!(
        "[collect]\nstate_dir = \"{}\"\n[privacy]\n{privacy}\n\
         [[sources]]\nid = \"f\"\nkind = \"feed\"\nurl = \"https://example.org/feed.xml\"\n",
        dir.join("data/state").display()
    );
    let mut config = Config::from_toml(&text).unwrap();
    config.data_dirs = data_dirs.iter().map(|d| dir.join(d)).collect();
    let sink = Arc::new(JsonlSink::append_to(&dir.join("items.jsonl")).unwrap());
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
    Collector::new(&config, sink, cursors).map(|_| ())
}

fn key_line(path: &Path) -> String {
    format!("pseudonym_key_file = \"{}\"", path.display())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_key_inside_the_state_directory_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("data/state/pseudonym.key");
    let err = setup(dir.path(), &key_line(&key), &[]).unwrap_err().0;
    assert!(
        err.contains("inside the data directory") && err.contains("allow_key_in_data_dir"),
        "{err}"
    );
    assert!(!key.exists(), "nothing generated where it is refused");
    setup(
        dir.path(),
        &format!("{}\nallow_key_in_data_dir = true", key_line(&key)),
        &[],
    )
    .unwrap();
    assert!(key.is_file(), "allowed explicitly: generated there");
}

#[test]
fn a_key_inside_the_stores_or_the_rooms_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("data/keys/pseudonym.key");
    let err = setup(dir.path(), &key_line(&key), &["data"]).unwrap_err().0;
    assert!(err.contains("inside the data directory"), "{err}");
    // `..` does not get it out.
    let sneaky = dir.path().join("data/state/../pseudonym.key");
    let err = setup(dir.path(), &key_line(&sneaky), &["data"])
        .unwrap_err()
        .0;
    assert!(err.contains("inside the data directory"), "{err}");
    let apart = dir.path().join("keys/pseudonym.key");
    setup(dir.path(), &key_line(&apart), &["data"]).unwrap();
}

#[test]
fn a_key_an_older_release_generated_in_the_state_directory_is_refused_with_how_to_move_it() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("data/state/pseudonym.key");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(&legacy, "0123456789abcdef0123456789abcdef\n").unwrap();
    let err = setup(dir.path(), "", &[]).unwrap_err().0;
    assert!(
        err.contains("state directory")
            && err.contains("mv ")
            && err.contains("pseudonym_key_file"),
        "{err}"
    );
    // An operator who accepts the risk keeps the old key (and the old pseudonyms).
    setup(dir.path(), "allow_key_in_data_dir = true", &[]).unwrap();
}

#[cfg(unix)]
#[test]
fn the_key_is_created_owner_only_and_a_loose_one_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("keys/websense/pseudonym.key");
    setup(dir.path(), &key_line(&key), &["data"]).unwrap();
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(key.parent().unwrap()), 0o700);
    let before = std::fs::read(&key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    setup(dir.path(), &key_line(&key), &["data"]).unwrap();
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        std::fs::read(&key).unwrap(),
        before,
        "the same key, not a new one"
    );
}
