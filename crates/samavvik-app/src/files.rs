//! Files and directories the service writes that hold keys, secrets, mail
//! or case exports: owner-only (files 0600, directories 0700) whatever the
//! process's umask, because `mode()` on create is masked by the umask only
//! towards fewer bits, and `create_dir_all` gives 0777 under umask 0.

use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) if missing and makes `dir` itself 0700.
///
/// # Errors
/// When the directory cannot be created or its mode cannot be set.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` (replacing it) with mode 0600, set explicitly
/// after creation so neither the umask nor an older, looser file matters.
///
/// # Errors
/// When the file cannot be created, written, synced or its mode set.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn private_whatever_the_previous_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o777)).unwrap();
        super::private_dir(&sub).unwrap();
        assert_eq!(std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777, 0o700);
        let file = sub.join("x.eml");
        std::fs::write(&file, b"old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        super::write_private(&file, b"new").unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
    }
}
