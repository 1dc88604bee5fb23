//! What a script's environment is made of: a few variables of the server's own environment,
//! captured once when the server starts, plus what jobsmith sets for the run. Nothing else
//! reaches a script. A script's output is readable by every viewer through the executions
//! routes, so whatever a script can see, any viewer can end up seeing: the server's API keys, a
//! secret an operator exported in the shell that started it, or, on Lambda, the function's AWS
//! credentials.

/// The variables a script inherits from the server, when the server has them:
///
/// - `PATH`: how the interpreter and the commands a script calls are found. On Lambda this is
///   the runtime's own, which includes `/opt/bin`, where layers put their programs.
/// - `LD_LIBRARY_PATH`: an interpreter installed outside the system directories (python from a
///   Lambda layer under `/opt`, a conda or self-built python) finds its shared libraries through
///   it. It only names directories the server itself already loads libraries from.
/// - `HOME`, `USER`, `LOGNAME`: who runs the script, and where its tools keep their settings.
/// - `LANG`, `LC_ALL`, `LC_CTYPE`, `TZ`: how text is decoded and times are shown, so that a
///   script behaves as it does in the operator's shell.
/// - `TMPDIR`: where temporary files go.
///
/// Left out on purpose:
///
/// - `SHELL`: scripts run under a named interpreter, never through the login shell; only
///   interactive programs read it, and Lambda does not set it, so a job relying on it would
///   behave differently there.
/// - `AWS_*`: on Lambda these are the function's credentials and the address of the runtime
///   API, neither of which a script may act with. A script that needs AWS brings its own.
/// - `JOBSMITH_*`: the server's own configuration, API keys included.
/// - `LAMBDA_TASK_ROOT` and the rest of what Lambda sets: a script finds its files relative to
///   its own path (`$0`, `__file__`), the same way on both sides. (Locally that is also its
///   working directory; on Lambda it runs in `/tmp`, its own folder being read-only there.)
pub const INHERITED_VARS: [&str; 10] =
    ["PATH", "LD_LIBRARY_PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"];

/// For a server started without a `PATH` (`env -i`, a bare service unit): where bash and
/// python3 live on every Linux this runs on. Without one, no interpreter given by name is found.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The inherited part of every script's environment, as captured at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptEnvironment {
    vars: Vec<(String, String)>,
}

impl ScriptEnvironment {
    /// Reads [`INHERITED_VARS`] through `lookup` (the process environment in a binary, a map in
    /// a test). An empty value counts as unset; a value that is not UTF-8 is left out.
    pub fn capture(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut vars: Vec<(String, String)> = INHERITED_VARS
            .iter()
            .filter_map(|name| lookup(name).filter(|value| !value.is_empty()).map(|value| ((*name).to_owned(), value)))
            .collect();
        if !vars.iter().any(|(name, _)| name == "PATH") {
            vars.push(("PATH".to_owned(), DEFAULT_PATH.to_owned()));
        }
        Self { vars }
    }

    /// [`ScriptEnvironment::capture`] from this process's environment: what a server does once,
    /// at startup.
    pub fn from_process() -> Self {
        Self::capture(|name| std::env::var(name).ok())
    }

    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// The whole environment of one run: the captured variables, then the run's own, which win
    /// over a captured one of the same name.
    pub fn with(&self, own: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
        let own: Vec<(String, String)> = own.into_iter().collect();
        let inherited = self.vars.iter().filter(|(name, _)| !own.iter().any(|(n, _)| n == name)).cloned();
        inherited.chain(own.iter().cloned()).collect()
    }
}

/// Closes the other way to the server's environment: a script runs as the server's user, so
/// it could read `/proc/$PPID/environ` however clean its own environment is. A process that is
/// not dumpable has its `/proc` files owned by root, so only root can read them (root, with
/// `CAP_SYS_PTRACE`, still can). Exec makes a child dumpable again, so finding orphaned runs by
/// their environment still works. Called once, at startup, by every process that runs scripts.
pub fn hide_own_environment() -> Result<(), std::io::Error> {
    nix::sys::prctl::set_dumpable(false).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    fn names(env: &ScriptEnvironment) -> Vec<&str> {
        env.vars().iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn only_the_allowlist_is_captured() {
        let env = ScriptEnvironment::capture(lookup(&[
            ("PATH", "/opt/bin:/usr/bin"),
            ("HOME", "/home/ops"),
            ("LANG", "C.UTF-8"),
            ("JOBSMITH_API_KEYS", "ops:admin:sha256:00"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("SHELL", "/bin/zsh"),
            ("TZ", ""),
        ]));
        assert_eq!(names(&env), ["PATH", "HOME", "LANG"], "TZ is empty, so it counts as unset");
        assert_eq!(env.vars()[0].1, "/opt/bin:/usr/bin");
    }

    #[test]
    fn lambda_keeps_what_finds_an_interpreter_and_drops_its_credentials() {
        let env = ScriptEnvironment::capture(lookup(&[
            ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
            ("LD_LIBRARY_PATH", "/lib64:/usr/lib64:/var/runtime:/var/task:/opt/lib"),
            ("LANG", "en_US.UTF-8"),
            ("TZ", ":UTC"),
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("LAMBDA_TASK_ROOT", "/var/task"),
            ("_HANDLER", "bootstrap"),
        ]));
        assert_eq!(names(&env), ["PATH", "LD_LIBRARY_PATH", "LANG", "TZ"]);
    }

    #[test]
    fn a_server_without_path_gives_scripts_a_default_one() {
        let env = ScriptEnvironment::capture(lookup(&[("HOME", "/root")]));
        assert_eq!(env.vars(), [("HOME".to_owned(), "/root".to_owned()), ("PATH".to_owned(), DEFAULT_PATH.to_owned())]);
    }

    #[test]
    fn the_runs_own_variables_win() {
        let env = ScriptEnvironment::capture(lookup(&[("PATH", "/bin"), ("TZ", "UTC")]));
        let all =
            env.with([("TZ".to_owned(), "Europe/Berlin".to_owned()), ("JOBSMITH_JOB_ID".to_owned(), "j".to_owned())]);
        let expected = [("PATH", "/bin"), ("TZ", "Europe/Berlin"), ("JOBSMITH_JOB_ID", "j")];
        assert_eq!(all, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    }

    #[test]
    fn hiding_the_servers_environment_makes_it_undumpable_and_leaves_children_readable() {
        hide_own_environment().expect("prctl");
        assert_eq!(nix::sys::prctl::get_dumpable(), Ok(false));
        let child = std::process::Command::new("cat").arg("/proc/self/status").output().expect("run cat");
        assert!(child.status.success(), "a child execs as a dumpable process that reads its own /proc");
    }
}
