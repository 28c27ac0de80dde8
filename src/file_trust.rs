//! Whether a file of settings or sessions (a `.env` found by searching, the token cache) can be
//! trusted: another user who could write it could point the job at their own server.

use std::path::Path;

/// Why `path` should not be trusted, or `None`: it (or, for a symbolic link, the link or what
/// it points to) is writable by everyone, or belongs to a user other than this one or root
/// (checked on Linux, where this process's user is known from `/proc/self`). A file only its
/// group can write is let through (with a umask of 0002 every file a user makes is, and the
/// group is theirs alone): the readable-by-others warning already asks for `chmod 600`. A
/// file that cannot be read is not this check's to judge (`None`).
#[cfg(unix)]
pub(crate) fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata("/proc/self").ok().map(|m| m.uid());
    let foreign = |uid: u32| me.is_some_and(|me| uid != me && uid != 0);
    let link = std::fs::symlink_metadata(path).ok()?;
    if link.file_type().is_symlink() && foreign(link.uid()) {
        return Some(format!(
            "it is a symbolic link made by another user (uid {})",
            link.uid()
        ));
    }
    let meta = std::fs::metadata(path).ok()?;
    if meta.mode() & 0o002 != 0 {
        return Some(format!(
            "it is writable by everyone (mode {:o})",
            meta.mode() & 0o777
        ));
    }
    foreign(meta.uid()).then(|| {
        format!(
            "it belongs to another user (uid {}, this process runs as {})",
            meta.uid(),
            me.unwrap_or_default()
        )
    })
}

#[cfg(not(unix))]
pub(crate) fn untrusted(_path: &Path) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_everyone_can_write_are_not_trusted_through_links_either() {
        let dir = std::env::temp_dir().join(format!("sfrest-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("cache.json");
        std::fs::write(&file, "{}").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(untrusted(&file), None);
        // Group-writable (a umask of 0002) is let through.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert_eq!(untrusted(&file), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(untrusted(&file).unwrap().contains("writable"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        // A link of our own to a file of our own is fine; to a file others can write, not.
        let link = dir.join("link.json");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(untrusted(&link), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o646)).unwrap();
        assert!(untrusted(&link).unwrap().contains("writable"));
        assert_eq!(untrusted(&dir.join("missing")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
