//! How a python script's `main()` is called and how its return value gets back to us.
//!
//! The return value travels through a file named in the child's environment rather than stdout,
//! so that nothing the script prints can be mistaken for its result.

use serde::Deserialize;
use serde_json::Value;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub(super) const RESULT_ENV: &str = "JOBSMITH_RESULT_FILE";

/// Results are stored with the execution; anything bigger is almost surely a mistake and would
/// not fit a DynamoDB item either.
pub(super) const RESULT_LIMIT: u64 = 256 * 1024;

/// Imports the script under a name other than `__main__` (so its `if __name__ == "__main__"`
/// block stays quiet), calls `main(*args)` and reports through the file in `RESULT_ENV`.
/// `SystemExit` is deliberately not caught: `sys.exit(n)` in `main` means exit code `n`.
pub(super) const BOOTSTRAP: &str = r#"
import importlib.machinery, importlib.util, json, os, sys, traceback

def _describe(exc):
    kind = type(exc)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = kind.__module__ + "." + name
    try:
        text = str(exc)
    except Exception:
        text = ""
    return name + ": " + text if text else name

def _run():
    # Popped so that the script's own children do not inherit it.
    result_path = os.environ.pop("JOBSMITH_RESULT_FILE", None)

    def report(envelope):
        if result_path is not None:
            with open(result_path, "w", encoding="utf-8") as out:
                out.write(envelope)

    def fail(message):
        report(json.dumps({"ok": False, "error": message}))
        sys.exit(1)

    script, args = sys.argv[1], sys.argv[2:]
    sys.argv = [script] + args
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    name = "jobsmith_script"
    try:
        loader = importlib.machinery.SourceFileLoader(name, script)
        spec = importlib.util.spec_from_file_location(name, script, loader=loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
    except Exception as exc:
        traceback.print_exc()
        fail(_describe(exc))
    main = getattr(module, "main", None)
    if not callable(main):
        fail("script has no main() function")
    try:
        value = main(*args)
    except Exception as exc:
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        fail(_describe(exc))
    try:
        envelope = json.dumps({"ok": True, "value": value}, allow_nan=False)
    except Exception:
        try:
            text = repr(value)
        except Exception:
            text = "<%s object>" % type(value).__name__
        envelope = json.dumps({"ok": True, "value": text})
    report(envelope)

_run()
"#;

/// What the bootstrap reported, if anything.
#[derive(Debug, PartialEq)]
pub(super) enum Report {
    /// Nothing written: `main` never returned (`sys.exit`, a kill) or returned `None`.
    Nothing,
    Value(Value),
    Error(String),
    /// The report could not be used; the message says why.
    Unusable(String),
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    error: Option<String>,
}

/// A private temp file that is removed when dropped.
pub(super) struct ResultFile {
    path: PathBuf,
}

impl ResultFile {
    /// `create_new` with mode 0600 so that no other user can pre-create, read or swap it.
    pub(super) fn create() -> io::Result<Self> {
        let path = std::env::temp_dir().join(format!("jobsmith-result-{}.json", uuid::Uuid::new_v4()));
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        Ok(Self { path })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn read(&self) -> Report {
        let mut text = String::new();
        let read = std::fs::File::open(&self.path).and_then(|f| f.take(RESULT_LIMIT + 1).read_to_string(&mut text));
        match read {
            Err(e) => Report::Unusable(format!("could not read the script's result: {e}")),
            Ok(n) if n as u64 > RESULT_LIMIT => {
                Report::Unusable(format!("the script's result is larger than {} KiB", RESULT_LIMIT / 1024))
            }
            Ok(_) => parse(&text),
        }
    }
}

impl Drop for ResultFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn parse(text: &str) -> Report {
    if text.is_empty() {
        return Report::Nothing;
    }
    match serde_json::from_str::<Envelope>(text) {
        Ok(Envelope { ok: true, value: Value::Null, .. }) => Report::Nothing,
        Ok(Envelope { ok: true, value, .. }) => Report::Value(value),
        Ok(Envelope { ok: false, error, .. }) => {
            Report::Error(error.unwrap_or_else(|| "the script failed without a message".to_owned()))
        }
        Err(e) => Report::Unusable(format!("could not read the script's result: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_envelopes() {
        assert_eq!(parse(""), Report::Nothing);
        assert_eq!(parse(r#"{"ok": true, "value": null}"#), Report::Nothing);
        assert_eq!(parse(r#"{"ok": true, "value": {"a": 1}}"#), Report::Value(json!({"a": 1})));
        assert_eq!(parse(r#"{"ok": false, "error": "ValueError: boom"}"#), Report::Error("ValueError: boom".into()));
        assert!(matches!(parse("{"), Report::Unusable(_)));
    }

    #[test]
    fn the_file_is_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let file = ResultFile::create().unwrap();
        let path = file.path().to_owned();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(file.read(), Report::Nothing);
        std::fs::write(&path, "x".repeat(RESULT_LIMIT as usize + 1)).unwrap();
        assert!(matches!(file.read(), Report::Unusable(m) if m.contains("larger than")));
        drop(file);
        assert!(!path.exists());
    }
}
