//! Which bash and which python run the scripts.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{ScriptEnvironment, ScriptKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreters {
    pub bash: PathBuf,
    pub python: PathBuf,
}

impl Default for Interpreters {
    fn default() -> Self {
        Self { bash: PathBuf::from("bash"), python: PathBuf::from("python3") }
    }
}

impl Interpreters {
    pub fn for_kind(&self, kind: ScriptKind) -> &Path {
        match kind {
            ScriptKind::Bash => &self.bash,
            ScriptKind::Python => &self.python,
        }
    }

    /// Each interpreter given by a bare name, looked up once in the `PATH` the scripts get, as
    /// the child's own exec would look it up. Starting a child from an absolute path lets the
    /// standard library spawn it without copying the server's address space (`posix_spawn`);
    /// with a bare name and an environment of its own, it has to fork, which made 300 jobs due
    /// at one instant start about 1.6× later than a bare loop spawning the same scripts. A name
    /// that is found nowhere stays as it is, so a run still reports it as not found.
    pub fn found_in(self, env: &ScriptEnvironment) -> Self {
        let path = env.vars().iter().find(|(name, _)| name == "PATH").map(|(_, value)| value.as_str());
        let Some(path) = path else { return self };
        Self { bash: look_up(self.bash, path), python: look_up(self.python, path) }
    }
}

fn look_up(program: PathBuf, path: &str) -> PathBuf {
    let is_bare_name = program.components().count() == 1 && program.is_relative();
    if !is_bare_name {
        return program;
    }
    path.split(':')
        // A relative entry would be looked up from whatever the working directory is at the
        // moment; those are left to the child's own lookup.
        .filter(|dir| dir.starts_with('/'))
        .map(|dir| Path::new(dir).join(&program))
        .find(|candidate| is_executable_file(candidate))
        .unwrap_or(program)
}

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn environment_with_path(path: &str) -> ScriptEnvironment {
        ScriptEnvironment::capture(|name| (name == "PATH").then(|| path.to_owned()))
    }

    fn file(dir: &Path, name: &str, mode: u32) {
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn a_bare_name_becomes_the_first_executable_file_of_that_name_on_the_path() {
        let first = tempfile::tempdir().expect("dir");
        let second = tempfile::tempdir().expect("dir");
        file(first.path(), "bash", 0o644);
        std::fs::create_dir(first.path().join("python3")).expect("a directory of that name");
        file(second.path(), "bash", 0o755);
        file(second.path(), "python3", 0o700);
        let path = format!("relative/bin::{}:{}", first.path().display(), second.path().display());
        let found = Interpreters::default().found_in(&environment_with_path(&path));
        assert_eq!(found.bash, second.path().join("bash"), "not executable: skipped");
        assert_eq!(found.python, second.path().join("python3"), "a directory: skipped");
    }

    #[test]
    fn paths_and_names_found_nowhere_are_left_as_they_are() {
        let dir = tempfile::tempdir().expect("dir");
        file(dir.path(), "bash", 0o755);
        let given = Interpreters { bash: PathBuf::from("bin/bash"), python: PathBuf::from("no-such-python") };
        let found = given.clone().found_in(&environment_with_path(&dir.path().display().to_string()));
        assert_eq!(found, given);
        let absolute = Interpreters { bash: PathBuf::from("/opt/bash"), python: PathBuf::from("/opt/python3") };
        assert_eq!(absolute.clone().found_in(&environment_with_path(&dir.path().display().to_string())), absolute);
    }
}
