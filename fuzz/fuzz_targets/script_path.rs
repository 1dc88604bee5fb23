//! Script paths a client gives (`script_path`), checked against one script root.
//!
//! The root holds scripts, a sub-directory, a symlink that leaves the root and one that stays in;
//! beside it lie a file and a look-alike sibling directory. An accepted path must be a regular
//! file whose real location is inside the root, and must never be one of the outside files.
#![no_main]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::sync::OnceLock;

use jobsmith::domain::script_path::{ScriptPathError, ScriptRoots};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    _dir: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    roots: ScriptRoots,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let base = fs::canonicalize(dir.path()).unwrap_or_else(|e| panic!("canonical temp dir: {e}"));
    let root = base.join("scripts");
    let made = (|| {
        fs::create_dir_all(root.join("sub"))?;
        fs::create_dir_all(base.join("scripts-evil"))?;
        fs::write(root.join("ok.sh"), "echo ok")?;
        fs::write(root.join("sub/nested.py"), "pass")?;
        fs::write(base.join("scripts-evil/bad.sh"), "echo bad")?;
        fs::write(base.join("outside.sh"), "echo out")?;
        symlink(base.join("outside.sh"), root.join("out.sh"))?;
        symlink(&base, root.join("up"))?;
        symlink(root.join("ok.sh"), root.join("alias.sh"))
    })();
    made.unwrap_or_else(|e| panic!("fixture: {e}"));
    let roots = ScriptRoots::new(vec![root.clone()]).unwrap_or_else(|e| panic!("roots: {e}"));
    Fixture { _dir: dir, base, root, roots }
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let f = FIXTURE.get_or_init(fixture);
    // Half the inputs are made absolute under the temporary base, so that they reach the disk.
    let raw = match text.strip_prefix('@') {
        Some(rest) => format!("{}/{rest}", f.base.display()),
        None => text.to_owned(),
    };
    match f.roots.resolve(&raw) {
        Ok(path) => {
            assert_eq!(path.as_given(), raw);
            let real = path.resolved();
            assert!(real.starts_with(&f.root), "{raw:?} resolved to {}", real.display());
            assert_eq!(fs::canonicalize(real).ok().as_deref(), Some(real), "{raw:?}");
            assert!(real.is_file(), "{raw:?} resolved to a non-file {}", real.display());
        }
        Err(ScriptPathError::BadRoot { .. }) => panic!("{raw:?} blamed the root"),
        Err(e) => {
            let message = e.to_string();
            // Errors name the client's path, never the root, unless the client named it.
            if !raw.contains(&*f.root.to_string_lossy()) {
                assert!(!message.contains(&*f.root.to_string_lossy()), "{raw:?}: {message}");
            }
        }
    }
});
