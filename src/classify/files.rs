//! Files written whole or not at all: through a temporary file beside the destination, renamed
//! into place. The model writer and the review sheets share these steps.

use std::path::{Path, PathBuf};

/// Symbolic links followed before giving up, as the kernel's `ELOOP` limit.
const MAX_SYMLINKS: usize = 40;

/// The file `path` names, its symbolic links followed one at a time rather than canonicalised,
/// so that a dangling link's target is where the file is created: written through, a link
/// stays a link and its target (a shared file) gets the new contents. `None` past
/// [`MAX_SYMLINKS`] links.
pub(crate) fn follow_links(path: &Path) -> std::io::Result<Option<PathBuf>> {
    let mut file = path.to_owned();
    let mut links = 0;
    while let Ok(meta) = std::fs::symlink_metadata(&file) {
        if !meta.file_type().is_symlink() {
            break;
        }
        links += 1;
        if links > MAX_SYMLINKS {
            return Ok(None);
        }
        let target = std::fs::read_link(&file)?;
        file = match file.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    Ok(Some(file))
}

/// The directory `file` is in (`.` for a bare file name).
pub(crate) fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A new temporary file in `file`'s directory, to be renamed over `file`. A fresh temporary
/// file is private to its owner; this one gets `file`'s permissions when it exists (a file a
/// group shares stays shared), else read-write for all less the umask, as `File::create` gives.
pub(crate) fn temporary_for(file: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder.tempfile_in(folder_of(file))?;
    if let Ok(existing) = std::fs::metadata(file) {
        temporary
            .as_file()
            .set_permissions(existing.permissions())?;
    }
    Ok(temporary)
}
