//! The pseudonym key: where it lives and who may read it.
//!
//! With the key, anyone holding a copy of the data can reverse pseudonyms by computing the
//! HMAC of candidate handles. So it does not live with the data: by default it is
//! `$XDG_CONFIG_HOME/websense/pseudonym.key` (else `$HOME/.config/websense/pseudonym.key`),
//! generated on first start; `[privacy] pseudonym_key_file` puts it elsewhere (servers:
//! `/etc/websense/pseudonym.key`). A key inside a data directory (the state directory, the
//! store's, the room database's or the author vault's, see [`Config::data_dirs`]) stops the
//! collector unless `[privacy] allow_key_in_data_dir = true`, which warns instead. That
//! includes `STATE_DIR/pseudonym.key`, where releases before this one generated it.
//!
//! The key is created with mode 0600 in a directory created 0700; an existing key that
//! others may read is made owner-only, with a warning.

use crate::collector::SetupError;
use crate::config::Config;
use rand::Rng;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use websense_model::PseudonymKey;

/// The key's file name, in the default directory and where older releases put it.
pub const KEY_FILE_NAME: &str = "pseudonym.key";

/// `$XDG_CONFIG_HOME/websense/pseudonym.key`, else `$HOME/.config/websense/pseudonym.key`;
/// `None` when neither is set.
pub fn default_key_file() -> Option<PathBuf> {
    default_key_file_in(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
    )
}

fn default_key_file_in(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    let config_dir = xdg_config_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".config"))
        })?;
    Some(config_dir.join("websense").join(KEY_FILE_NAME))
}

/// Where this configuration's key is, checked against the data directories.
pub fn key_file(config: &Config) -> Result<PathBuf, SetupError> {
    let privacy = &config.privacy;
    let legacy = config.collect.state_dir.join(KEY_FILE_NAME);
    let path = match &privacy.pseudonym_key_file {
        Some(path) => path.clone(),
        None if legacy.exists() && privacy.allow_key_in_data_dir => legacy,
        None if legacy.exists() => {
            let target = default_key_file();
            return Err(SetupError(format!(
                "the pseudonym key is in the state directory ({}), beside the data: with a copy \
                 of the data, anyone could reverse pseudonyms. Move it out, e.g. `{}`, or set \
                 [privacy] pseudonym_key_file to where you moved it (keep the same key: a new \
                 one gives every author a new pseudonym). To keep it there anyway, set [privacy] \
                 allow_key_in_data_dir = true",
                legacy.display(),
                match &target {
                    Some(t) => format!(
                        "mkdir -p -m 700 {} && mv {} {}",
                        t.parent().unwrap_or(Path::new(".")).display(),
                        legacy.display(),
                        t.display()
                    ),
                    None => format!("mv {} /etc/websense/{KEY_FILE_NAME}", legacy.display()),
                }
            )));
        }
        None => default_key_file().ok_or_else(|| {
            SetupError(
                "no [privacy] pseudonym_key_file configured, and neither XDG_CONFIG_HOME nor HOME \
                 is set to put the default one in; set pseudonym_key_file (e.g. \
                 /etc/websense/pseudonym.key)"
                    .into(),
            )
        })?,
    };
    let data_dirs = std::iter::once(&config.collect.state_dir).chain(&config.data_dirs);
    if let Some(dir) = data_dirs.into_iter().find(|dir| is_inside(&path, dir)) {
        if !privacy.allow_key_in_data_dir {
            return Err(SetupError(format!(
                "the pseudonym key {} is inside the data directory {}: with a copy of the data, \
                 anyone could reverse pseudonyms. Keep it elsewhere ([privacy] \
                 pseudonym_key_file; default {}), or set [privacy] allow_key_in_data_dir = true",
                path.display(),
                dir.display(),
                default_key_file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.config/websense/pseudonym.key".into())
            )));
        }
        tracing::warn!(
            key = %path.display(),
            data_dir = %dir.display(),
            "the pseudonym key is inside a data directory (allow_key_in_data_dir = true): whoever copies the data can reverse pseudonyms"
        );
    }
    Ok(path)
}

/// `path` as it is on disk: symbolic links and `..` resolved as far as it exists.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn is_inside(path: &Path, dir: &Path) -> bool {
    !dir.as_os_str().is_empty() && resolved(path).starts_with(resolved(dir))
}

/// Read the pseudonym key, or create a random one (readable by the owner only).
pub fn load_or_create_key(path: &Path) -> Result<PseudonymKey, SetupError> {
    if path.exists() {
        owner_only(path)?;
        return PseudonymKey::from_file(path).map_err(|e| SetupError(e.to_string()));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let text = format!("{}\n", hex::encode(bytes));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| SetupError(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = options.open(path).and_then(|mut f| {
        use std::io::Write;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    write.map_err(|e| {
        SetupError(format!(
            "cannot write pseudonym key {}: {e}",
            path.display()
        ))
    })?;
    tracing::warn!(
        path = %path.display(),
        "generated a new pseudonym key; keep it secret and back it up: without it, authors get new pseudonyms"
    );
    PseudonymKey::from_file(path).map_err(|e| SetupError(e.to_string()))
}

/// Take group and other permissions off the key, with a warning when it had any.
fn owner_only(path: &Path) -> Result<(), SetupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| SetupError(format!("cannot read {}: {e}", path.display())))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)).map_err(
                |e| {
                    SetupError(format!(
                        "the pseudonym key {} can be read by others (mode {mode:o}) and cannot be \
                         made private: {e}",
                        path.display()
                    ))
                },
            )?;
            tracing::warn!(
                path = %path.display(),
                was = format!("{mode:o}"),
                "the pseudonym key could be read by other users; made readable by its owner only"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_users_config_directory() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            default_key_file_in(os("/x/cfg"), os("/home/a")),
            Some(PathBuf::from("/x/cfg/websense/pseudonym.key"))
        );
        assert_eq!(
            default_key_file_in(None, os("/home/a")),
            Some(PathBuf::from("/home/a/.config/websense/pseudonym.key"))
        );
        assert_eq!(
            default_key_file_in(os("relative"), os("/home/a")),
            Some(PathBuf::from("/home/a/.config/websense/pseudonym.key")),
            "a relative XDG_CONFIG_HOME is ignored"
        );
        assert_eq!(default_key_file_in(None, None), None);
    }

    #[test]
    fn inside_follows_dot_dot_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("state")).unwrap();
        assert!(is_inside(&data.join("state/../pseudonym.key"), &data));
        assert!(!is_inside(&dir.path().join("keys/pseudonym.key"), &data));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&data, dir.path().join("link")).unwrap();
            assert!(is_inside(&dir.path().join("link/x.key"), &data));
        }
    }
}
