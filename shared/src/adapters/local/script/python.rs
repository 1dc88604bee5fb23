//! How a python script's `main()` is called and how its return value gets back to us.
//!
//! The return value travels through a file named in the child's environment rather than stdout,
//! so that nothing the script prints can be mistaken for its result.
//!
//! A result too large for the execution record keeps the run's status: it is replaced by a note
//! of its size and its first bytes (`record_budget::oversized_result`). Failing the run instead
//! would also have its retry policy run the script again, for the same oversized result.

use crate::domain::record_budget::{RESULT_PREVIEW_BYTES, oversized_result};
use serde::Deserialize;
use serde_json::Value;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub(super) const RESULT_ENV: &str = "JOBSMITH_RESULT_FILE";

/// Reports up to this size are parsed, so that a result whose compact JSON fits the record is
/// kept exactly even though python wrote it longer (`\uXXXX` escapes, spaces after separators:
/// at most about three times longer than the record's budget of 256 KiB). A larger one is
/// never read whole, whatever the script returned: only its first bytes, for the preview.
pub(super) const PARSE_LIMIT: u64 = 1024 * 1024;

/// How the bootstrap begins a successful report, exactly, so that the value's JSON text can be
/// found without parsing an oversized one.
pub(super) const OK_PREFIX: &str = r#"{"ok": true, "value": "#;

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
        encoded = json.dumps(value, allow_nan=False)
    except Exception:
        try:
            text = repr(value)
        except Exception:
            text = "<%s object>" % type(value).__name__
        encoded = json.dumps(text)
    report('{"ok": true, "value": ' + encoded + '}')

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
        match self.read_bounded() {
            Err(e) => Report::Unusable(format!("could not read the script's result: {e}")),
            Ok(Contents::Whole(text)) => parse(&text),
            Ok(Contents::Head { head, len }) => oversized(&head, len),
        }
    }

    fn read_bounded(&self) -> io::Result<Contents> {
        let file = std::fs::File::open(&self.path)?;
        let len = file.metadata()?.len();
        if len <= PARSE_LIMIT {
            let mut text = String::new();
            file.take(PARSE_LIMIT).read_to_string(&mut text)?;
            return Ok(Contents::Whole(text));
        }
        let mut head = Vec::new();
        file.take((OK_PREFIX.len() + RESULT_PREVIEW_BYTES) as u64).read_to_end(&mut head)?;
        Ok(Contents::Head { head, len })
    }
}

impl Drop for ResultFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

enum Contents {
    Whole(String),
    /// The first bytes of a report of `len` bytes, too long to parse.
    Head {
        head: Vec<u8>,
        len: u64,
    },
}

/// A successful report too long to parse stands for its value by its size and first bytes; any
/// other is unusable (an error message that long says nothing a reader could use).
fn oversized(head: &[u8], len: u64) -> Report {
    let Some(value) = head.strip_prefix(OK_PREFIX.as_bytes()) else {
        return Report::Unusable(format!("the script's report is larger than {} KiB", PARSE_LIMIT / 1024));
    };
    let text = match std::str::from_utf8(value) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&value[..e.valid_up_to()]).unwrap_or_default(),
    };
    // Less the prefix and the closing brace: the length of the value's own JSON text.
    let bytes = len.saturating_sub(OK_PREFIX.len() as u64 + 1);
    Report::Value(oversized_result(bytes, text))
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
        assert!(BOOTSTRAP.contains(&format!("'{OK_PREFIX}'")), "the bootstrap writes the prefix the reader looks for");
    }

    #[test]
    fn the_file_is_private_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let file = ResultFile::create().unwrap();
        let path = file.path().to_owned();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(file.read(), Report::Nothing);
        std::fs::write(&path, "x".repeat(PARSE_LIMIT as usize + 1)).unwrap();
        assert!(matches!(file.read(), Report::Unusable(m) if m.contains("larger than")));
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn a_report_too_long_to_parse_keeps_its_size_and_first_bytes() {
        let file = ResultFile::create().unwrap();
        let value = format!("\"{}\"", "é".repeat(PARSE_LIMIT as usize));
        std::fs::write(file.path(), format!("{OK_PREFIX}{value}}}")).unwrap();
        let Report::Value(note) = file.read() else { panic!("expected a value") };
        assert_eq!(note["truncated"], true);
        assert_eq!(note["bytes"], value.len());
        let preview = note["preview"].as_str().expect("a preview");
        assert!(preview.starts_with("\"éé") && preview.len() == RESULT_PREVIEW_BYTES - 1, "{}", preview.len());
        std::fs::write(file.path(), format!("{{\"ok\": false, \"error\": \"{}\"}}", "e".repeat(1 << 21))).unwrap();
        assert!(matches!(file.read(), Report::Unusable(m) if m.contains("larger than")));
    }
}
