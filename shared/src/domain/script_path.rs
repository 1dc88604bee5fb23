//! Script paths that can only name a regular file inside the configured script directories.
//!
//! A client gives a path; the server must never run something outside the directories it was
//! told to trust, whether the client gets there with `..`, a symlink or a look-alike sibling
//! directory. Error messages echo the client's own path but never the server's roots.

use serde::{Serialize, Serializer};
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Longer than any path the kernel accepts, so nothing legitimate is refused.
const MAX_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptPathError {
    #[error("script path must not be empty")]
    Empty,
    #[error("script path must be at most {MAX_LEN} bytes")]
    TooLong,
    #[error("script path must not contain NUL bytes")]
    NulByte,
    #[error("script not found: {path}")]
    NotFound { path: String },
    #[error("script path '{path}' is outside the allowed script directories")]
    OutsideRoots { path: String },
    #[error("script path '{path}' is not a regular file")]
    NotAFile { path: String },
    #[error("script path '{path}' cannot be accessed")]
    Inaccessible { path: String },
    /// Only raised while building [`ScriptRoots`] from configuration, never for a client's path,
    /// so naming the root here leaks nothing to API clients.
    #[error("script root '{root}' is unusable: {reason}")]
    BadRoot { root: PathBuf, reason: String },
}

/// The directories scripts may live in, canonicalized once so that every check compares real
/// locations.
#[derive(Debug, Clone, Default)]
pub struct ScriptRoots {
    canonical: Vec<PathBuf>,
    /// The roots as configured (made absolute). An absolute client path is first compared
    /// against these without touching the disk, so that probing paths outside every root cannot
    /// tell whether a file exists there.
    configured: Vec<PathBuf>,
}

impl ScriptRoots {
    /// Missing roots are skipped with a warning rather than refused, so that a server can start
    /// before an optional directory is created; they match nothing until a restart.
    pub fn new(roots: Vec<PathBuf>) -> Result<Self, ScriptPathError> {
        let mut out = Self::default();
        for root in roots {
            let canonical = match std::fs::canonicalize(&root) {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    tracing::warn!(root = %root.display(), "script root does not exist; skipping it");
                    continue;
                }
                Err(e) => return Err(bad_root(root, e.to_string())),
            };
            if !canonical.is_dir() {
                return Err(bad_root(root, "not a directory".to_owned()));
            }
            if let Ok(abs) = std::path::absolute(&root)
                && let Some(abs) = lexically_normal(&abs)
                && !out.configured.contains(&abs)
            {
                out.configured.push(abs);
            }
            if !out.canonical.contains(&canonical) {
                out.canonical.push(canonical);
            }
        }
        Ok(out)
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.canonical
    }

    pub fn resolve(&self, raw: &str) -> Result<ScriptPath, ScriptPathError> {
        if raw.trim().is_empty() {
            return Err(ScriptPathError::Empty);
        }
        if raw.len() > MAX_LEN {
            return Err(ScriptPathError::TooLong);
        }
        if raw.contains('\0') {
            return Err(ScriptPathError::NulByte);
        }
        let path = Path::new(raw);
        if path.is_absolute() { self.resolve_absolute(path, raw) } else { self.resolve_relative(path, raw) }
    }

    fn resolve_absolute(&self, path: &Path, raw: &str) -> Result<ScriptPath, ScriptPathError> {
        let lexical = lexically_normal(path).ok_or_else(|| outside(raw))?;
        let looks_inside = self.canonical.iter().chain(&self.configured).any(|root| lexical.starts_with(root));
        if !looks_inside {
            return Err(outside(raw));
        }
        match std::fs::canonicalize(path) {
            Ok(canonical) => self.accept(canonical, raw),
            Err(e) if is_missing(&e) => Err(ScriptPathError::NotFound { path: raw.to_owned() }),
            Err(_) => Err(ScriptPathError::Inaccessible { path: raw.to_owned() }),
        }
    }

    fn resolve_relative(&self, path: &Path, raw: &str) -> Result<ScriptPath, ScriptPathError> {
        // A relative path that climbs above its start escapes every root alike.
        if lexically_normal(path).is_none() {
            return Err(outside(raw));
        }
        for root in &self.canonical {
            match std::fs::canonicalize(root.join(path)) {
                Ok(canonical) => return self.accept(canonical, raw),
                Err(e) if is_missing(&e) => continue,
                Err(_) => return Err(ScriptPathError::Inaccessible { path: raw.to_owned() }),
            }
        }
        Err(ScriptPathError::NotFound { path: raw.to_owned() })
    }

    /// The final say: `canonical` has every symlink followed, so this is where the file really is.
    fn accept(&self, canonical: PathBuf, raw: &str) -> Result<ScriptPath, ScriptPathError> {
        if !self.canonical.iter().any(|root| canonical.starts_with(root)) {
            return Err(outside(raw));
        }
        match std::fs::metadata(&canonical) {
            Ok(meta) if meta.is_file() => Ok(ScriptPath { given: raw.to_owned(), resolved: canonical }),
            Ok(_) => Err(ScriptPathError::NotAFile { path: raw.to_owned() }),
            Err(_) => Err(ScriptPathError::Inaccessible { path: raw.to_owned() }),
        }
    }
}

/// A checked script path. It is only made by [`ScriptRoots::resolve`], and it is stored as the
/// string the client gave: the roots or the disk may change, so it is resolved again before
/// each run rather than trusted from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptPath {
    given: String,
    resolved: PathBuf,
}

impl ScriptPath {
    pub fn as_given(&self) -> &str {
        &self.given
    }

    pub fn resolved(&self) -> &Path {
        &self.resolved
    }
}

impl fmt::Display for ScriptPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.given)
    }
}

impl Serialize for ScriptPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.given)
    }
}

fn outside(raw: &str) -> ScriptPathError {
    ScriptPathError::OutsideRoots { path: raw.to_owned() }
}

fn bad_root(root: PathBuf, reason: String) -> ScriptPathError {
    ScriptPathError::BadRoot { root, reason }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

/// Resolves `.` and `..` by text alone. `None` when a relative path climbs above its start; an
/// absolute path cannot climb above `/`, as in POSIX.
fn lexically_normal(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir if depth == 0 => {
                if !path.is_absolute() {
                    return None;
                }
            }
            Component::ParentDir => {
                out.pop();
                depth -= 1;
            }
            Component::Normal(part) => {
                out.push(part);
                depth += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    struct Fixture {
        _dir: tempfile::TempDir,
        base: PathBuf,
        roots: ScriptRoots,
    }

    /// `base/scripts` is the only root; `base/scripts-evil` shares its string prefix.
    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(base.join("scripts/sub")).unwrap();
        fs::create_dir_all(base.join("scripts-evil")).unwrap();
        fs::write(base.join("scripts/ok.sh"), "echo ok").unwrap();
        fs::write(base.join("scripts/sub/nested.py"), "def main(): pass").unwrap();
        fs::write(base.join("scripts-evil/bad.sh"), "echo bad").unwrap();
        fs::write(base.join("outside.sh"), "echo out").unwrap();
        let roots = ScriptRoots::new(vec![base.join("scripts")]).unwrap();
        Fixture { _dir: dir, base, roots }
    }

    fn at(f: &Fixture, rel: &str) -> String {
        f.base.join(rel).to_str().unwrap().to_owned()
    }

    #[test]
    fn absolute_path_inside_a_root_resolves() {
        let f = fixture();
        let raw = at(&f, "scripts/ok.sh");
        let p = f.roots.resolve(&raw).unwrap();
        assert_eq!(p.as_given(), raw);
        assert_eq!(p.resolved(), f.base.join("scripts/ok.sh"));
        assert_eq!(serde_json::to_string(&p).unwrap(), serde_json::to_string(&raw).unwrap());
    }

    #[test]
    fn relative_path_resolves_against_the_roots_in_order() {
        let f = fixture();
        fs::create_dir_all(f.base.join("second")).unwrap();
        fs::write(f.base.join("second/ok.sh"), "").unwrap();
        fs::write(f.base.join("second/only.sh"), "").unwrap();
        let roots = ScriptRoots::new(vec![f.base.join("scripts"), f.base.join("second")]).unwrap();
        assert_eq!(roots.resolve("ok.sh").unwrap().resolved(), f.base.join("scripts/ok.sh"));
        assert_eq!(roots.resolve("only.sh").unwrap().resolved(), f.base.join("second/only.sh"));
        assert_eq!(roots.resolve("./sub/../sub/nested.py").unwrap().resolved(), f.base.join("scripts/sub/nested.py"));
    }

    #[test]
    fn dot_dot_escaping_the_root_is_refused() {
        let f = fixture();
        assert!(matches!(f.roots.resolve("../outside.sh"), Err(ScriptPathError::OutsideRoots { .. })));
        assert!(matches!(f.roots.resolve("sub/../../outside.sh"), Err(ScriptPathError::OutsideRoots { .. })));
        let raw = at(&f, "scripts/../outside.sh");
        assert!(matches!(f.roots.resolve(&raw), Err(ScriptPathError::OutsideRoots { .. })));
    }

    #[test]
    fn symlink_escaping_the_root_is_refused() {
        let f = fixture();
        symlink(f.base.join("outside.sh"), f.base.join("scripts/link.sh")).unwrap();
        symlink(&f.base, f.base.join("scripts/up")).unwrap();
        assert!(matches!(f.roots.resolve("link.sh"), Err(ScriptPathError::OutsideRoots { .. })));
        assert!(matches!(f.roots.resolve("up/outside.sh"), Err(ScriptPathError::OutsideRoots { .. })));
        let raw = at(&f, "scripts/link.sh");
        assert!(matches!(f.roots.resolve(&raw), Err(ScriptPathError::OutsideRoots { .. })));
    }

    #[test]
    fn symlink_staying_inside_the_root_is_followed() {
        let f = fixture();
        symlink(f.base.join("scripts/ok.sh"), f.base.join("scripts/alias.sh")).unwrap();
        assert_eq!(f.roots.resolve("alias.sh").unwrap().resolved(), f.base.join("scripts/ok.sh"));
    }

    #[test]
    fn sibling_with_a_common_string_prefix_is_refused() {
        let f = fixture();
        let raw = at(&f, "scripts-evil/bad.sh");
        assert_eq!(f.roots.resolve(&raw), Err(ScriptPathError::OutsideRoots { path: raw.clone() }));
        assert!(matches!(f.roots.resolve("../scripts-evil/bad.sh"), Err(ScriptPathError::OutsideRoots { .. })));
    }

    #[test]
    fn directories_and_missing_files_are_refused() {
        let f = fixture();
        assert!(matches!(f.roots.resolve("sub"), Err(ScriptPathError::NotAFile { .. })));
        assert!(matches!(f.roots.resolve(&at(&f, "scripts")), Err(ScriptPathError::NotAFile { .. })));
        assert!(matches!(f.roots.resolve("nope.sh"), Err(ScriptPathError::NotFound { .. })));
        assert!(matches!(f.roots.resolve("ok.sh/x"), Err(ScriptPathError::NotFound { .. })));
        let raw = at(&f, "scripts/nope.sh");
        assert!(matches!(f.roots.resolve(&raw), Err(ScriptPathError::NotFound { .. })));
    }

    #[test]
    fn files_outside_every_root_are_refused_without_revealing_existence() {
        let f = fixture();
        let exists = f.roots.resolve(&at(&f, "outside.sh")).unwrap_err();
        let missing = f.roots.resolve(&at(&f, "missing.sh")).unwrap_err();
        assert!(matches!(exists, ScriptPathError::OutsideRoots { .. }));
        assert!(matches!(missing, ScriptPathError::OutsideRoots { .. }));
        assert!(matches!(f.roots.resolve("/etc/passwd"), Err(ScriptPathError::OutsideRoots { .. })));
    }

    #[test]
    fn empty_and_nul_are_refused() {
        let f = fixture();
        assert_eq!(f.roots.resolve(""), Err(ScriptPathError::Empty));
        assert_eq!(f.roots.resolve("  "), Err(ScriptPathError::Empty));
        assert_eq!(f.roots.resolve("ok.sh\0x"), Err(ScriptPathError::NulByte));
        assert_eq!(f.roots.resolve(&"a".repeat(MAX_LEN + 1)), Err(ScriptPathError::TooLong));
    }

    #[test]
    fn errors_do_not_name_the_roots() {
        let f = fixture();
        let root = f.base.join("scripts");
        let root = root.to_str().unwrap();
        for raw in ["nope.sh", "sub", "../outside.sh"] {
            let message = f.roots.resolve(raw).unwrap_err().to_string();
            assert!(!message.contains(root), "{message}");
            assert!(message.contains(raw), "{message}");
        }
    }

    #[test]
    fn missing_roots_are_skipped_and_files_are_not_roots() {
        let f = fixture();
        let roots = ScriptRoots::new(vec![f.base.join("absent"), f.base.join("scripts")]).unwrap();
        assert_eq!(roots.roots(), [f.base.join("scripts")]);
        let err = ScriptRoots::new(vec![f.base.join("outside.sh")]).unwrap_err();
        assert!(matches!(err, ScriptPathError::BadRoot { .. }));
        let none = ScriptRoots::new(vec![]).unwrap();
        assert!(matches!(none.resolve("ok.sh"), Err(ScriptPathError::NotFound { .. })));
        assert!(matches!(none.resolve(&at(&f, "scripts/ok.sh")), Err(ScriptPathError::OutsideRoots { .. })));
    }

    #[test]
    fn a_root_given_through_a_symlink_still_matches() {
        let f = fixture();
        symlink(f.base.join("scripts"), f.base.join("via")).unwrap();
        let roots = ScriptRoots::new(vec![f.base.join("via")]).unwrap();
        let p = roots.resolve(&at(&f, "via/ok.sh")).unwrap();
        assert_eq!(p.resolved(), f.base.join("scripts/ok.sh"));
        assert!(roots.resolve(&at(&f, "scripts/ok.sh")).is_ok());
    }
}
