use super::tests::{invocation, run, write_script};
use super::*;
use serde_json::json;

async fn run_python(body: &str, args: &[&str]) -> ScriptOutcome {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "job.py", body);
    run(invocation(ScriptKind::Python, script, args)).await
}

#[tokio::test]
async fn return_values_become_the_result() {
    let out = run_python("def main(*args):\n    print('hi')\n    return {'a': 1}\n", &[]).await;
    assert_eq!((out.status, out.exit_code), (ScriptStatus::Succeeded, Some(0)), "{out:?}");
    assert_eq!((out.result, out.stdout_tail.as_str()), (Some(json!({"a": 1})), "hi\n"));
    let out = run_python("def main(*args):\n    return 'Success'\n", &[]).await;
    assert_eq!(out.result, Some(json!("Success")));
    let out = run_python("def main():\n    pass\n", &[]).await;
    assert_eq!((out.status, out.result), (ScriptStatus::Succeeded, None));
}

#[tokio::test]
async fn values_json_cannot_take_are_kept_as_their_repr() {
    let body = "class Thing:\n    def __repr__(self):\n        return 'Thing()'\n\ndef main():\n    return Thing()\n";
    assert_eq!(run_python(body, &[]).await.result, Some(json!("Thing()")));
    assert_eq!(run_python("def main():\n    return {1, 2}\n", &[]).await.result, Some(json!("{1, 2}")));
    assert_eq!(run_python("def main():\n    return float('nan')\n", &[]).await.result, Some(json!("nan")));
}

#[tokio::test]
async fn args_arrive_as_strings_in_order() {
    let args = ["1", "two words", "$(rm -rf /)", "a;b", ""];
    let out = run_python("import sys\ndef main(*args):\n    return [list(args), sys.argv[1:]]\n", &args).await;
    assert_eq!(out.result, Some(json!([args, args])), "{out:?}");
}

#[tokio::test]
async fn a_script_without_main_fails() {
    for body in ["x = 1\n", "main = 3\n"] {
        let out = run_python(body, &[]).await;
        assert_eq!(out.status, ScriptStatus::Failed);
        assert_eq!(out.error.as_deref(), Some("script has no main() function"));
    }
}

#[tokio::test]
async fn an_exception_fails_with_its_last_line() {
    let out = run_python("def main():\n    raise ValueError('boom')\n", &[]).await;
    assert_eq!((out.status, out.exit_code), (ScriptStatus::Failed, Some(1)));
    assert_eq!(out.error.as_deref(), Some("ValueError: boom"));
    assert!(out.stderr_tail.starts_with("Traceback"), "{}", out.stderr_tail);
    assert!(out.stderr_tail.contains("raise ValueError('boom')"));
    let out = run_python("def main(:\n", &[]).await;
    assert!(out.error.as_deref().is_some_and(|e| e.starts_with("SyntaxError: ")), "{out:?}");
}

#[tokio::test]
async fn sys_exit_means_its_exit_code() {
    let out = run_python("import sys\ndef main():\n    sys.exit(4)\n", &[]).await;
    assert_eq!((out.status, out.exit_code, out.error.as_deref()), (ScriptStatus::Failed, Some(4), Some("exit code 4")));
    let out = run_python("import sys\ndef main():\n    sys.exit(0)\n", &[]).await;
    assert_eq!((out.status, out.result), (ScriptStatus::Succeeded, None));
}

#[tokio::test]
async fn the_main_guard_does_not_run_and_siblings_import() {
    let dir = tempfile::tempdir().unwrap();
    write_script(dir.path(), "helper.py", "VALUE = 'from helper'\n");
    let body = "import helper\n\ndef main():\n    return [helper.VALUE, __name__]\n\nif __name__ == '__main__':\n    print('guard ran')\n";
    let script = write_script(dir.path(), "job.py", body);
    let work = tempfile::tempdir().unwrap();
    let mut inv = invocation(ScriptKind::Python, script, &[]);
    inv.working_dir = Some(work.path().to_owned());
    let out = run(inv).await;
    assert_eq!(out.result, Some(json!(["from helper", "jobsmith_script"])), "{out:?}");
    assert_eq!(out.stdout_tail, "");
}

#[tokio::test]
async fn output_is_unbuffered_so_a_killed_script_keeps_its_tail() {
    let dir = tempfile::tempdir().unwrap();
    let script =
        write_script(dir.path(), "job.py", "import time\ndef main():\n    print('started')\n    time.sleep(100)\n");
    let mut inv = invocation(ScriptKind::Python, script, &[]);
    inv.timeout = Some(Duration::from_secs(1));
    let out = run(inv).await;
    assert_eq!((out.status, out.stdout_tail.as_str()), (ScriptStatus::TimedOut, "started\n"));
    assert_eq!(out.result, None);
}

#[tokio::test]
async fn the_result_channel_is_hidden_from_the_script() {
    let out = run_python("import os\ndef main():\n    return os.environ.get('JOBSMITH_RESULT_FILE')\n", &[]).await;
    assert_eq!((out.status, out.result), (ScriptStatus::Succeeded, None));
}

#[tokio::test]
async fn a_mebibyte_result_is_replaced_by_a_note_and_the_run_keeps_its_status() {
    let out = run_python("def main():\n    return 'x' * (1024 * 1024)\n", &[]).await;
    assert_eq!((out.status, out.error.as_deref()), (ScriptStatus::Succeeded, None), "{out:?}");
    let result = out.result.expect("a result");
    assert_eq!(result["truncated"], true);
    assert_eq!(result["bytes"], 1024 * 1024 + 2, "the JSON text of the string, quotes included");
    assert!(result["preview"].as_str().is_some_and(|p| p.starts_with("\"xxx")), "{result}");
}

#[tokio::test]
async fn a_result_between_the_budget_and_the_parse_limit_is_read_whole() {
    // Escaped by python to six bytes each, 600 KiB of report; compact, 200 KiB of JSON.
    let out = run_python("def main():\n    return '\\u00e9' * (100 * 1024)\n", &[]).await;
    assert_eq!(out.status, ScriptStatus::Succeeded, "{out:?}");
    assert_eq!(out.result, Some(json!("é".repeat(100 * 1024))), "the record's budget decides, not python's spelling");
}
