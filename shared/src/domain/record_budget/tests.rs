use super::*;
use crate::domain::execution::TriggeredBy;
use crate::domain::ids::JobId;
use crate::domain::task::RunKind;

/// The count a fitted tail's marker gives, and the text after it.
fn marked(fitted: &str) -> (u64, &str) {
    let (dropped, body) = split_marker(fitted);
    assert!(fitted.starts_with(DROPPED_PREFIX), "no marker: {:?}", &fitted[..fitted.len().min(80)]);
    (dropped, body)
}

#[test]
fn a_tail_within_budget_is_untouched() {
    let at_budget = "a".repeat(TAIL_BUDGET);
    assert_eq!(fit_tail(at_budget.clone(), TAIL_BUDGET), at_budget);
    assert_eq!(fit_tail(String::new(), TAIL_BUDGET), "");
}

#[test]
fn a_tail_one_byte_over_keeps_its_end_behind_a_marker() {
    let text = format!("{}END", "a".repeat(TAIL_BUDGET - 2));
    let fitted = fit_tail(text.clone(), TAIL_BUDGET);
    assert!(fitted.len() <= TAIL_BUDGET, "{}", fitted.len());
    let (dropped, body) = marked(&fitted);
    assert!(body.ends_with("aEND"));
    assert_eq!(dropped as usize + body.len(), text.len(), "the marker counts exactly what is gone");
}

#[test]
fn a_tail_is_cut_on_a_character_boundary() {
    let budget = TAIL_MARKER_MAX + 5;
    let text = "é".repeat(50); // 100 bytes; 5 bytes of room would split the third é from the end
    let fitted = fit_tail(text, budget);
    let (dropped, body) = marked(&fitted);
    assert_eq!((body, dropped), ("éé", 96));
    assert!(fitted.len() <= budget);
    let text = format!("{}€", "x".repeat(100));
    let fitted = fit_tail(text, TAIL_MARKER_MAX + 2);
    let (dropped, body) = marked(&fitted);
    assert_eq!((body, dropped), ("", 103), "a character wider than the room is dropped whole");
}

#[test]
fn invalid_utf8_that_tripled_in_conversion_is_cut_to_the_budget() {
    let raw = vec![0xFF_u8; 64 * 1024];
    let text = String::from_utf8_lossy(&raw).into_owned();
    assert_eq!(text.len(), 3 * raw.len(), "each invalid byte became a 3-byte U+FFFD");
    let fitted = fit_tail(text.clone(), TAIL_BUDGET);
    assert!(fitted.len() <= TAIL_BUDGET, "{}", fitted.len());
    let (dropped, body) = marked(&fitted);
    assert!(body.chars().all(|c| c == char::REPLACEMENT_CHARACTER));
    assert_eq!(dropped as usize + body.len(), text.len());
}

#[test]
fn a_marker_already_there_adds_up() {
    let text = format!("{}{}", tail_marker(1_000), "z".repeat(TAIL_BUDGET));
    let fitted = fit_tail(text, TAIL_BUDGET);
    let (dropped, body) = marked(&fitted);
    assert_eq!(dropped as usize + body.len(), 1_000 + TAIL_BUDGET);
    assert!(!body.contains('…'), "one marker, not two");
}

#[test]
fn an_error_keeps_its_beginning() {
    let short = "ValueError: boom".to_owned();
    assert_eq!(fit_error(short.clone()), short);
    let long = format!("ValueError: {}", "ü".repeat(ERROR_BUDGET));
    let fitted = fit_error(long.clone());
    assert!(fitted.len() <= ERROR_BUDGET, "{}", fitted.len());
    assert!(fitted.starts_with("ValueError: üü"));
    let (kept, marker) = fitted.split_once(MORE_PREFIX).expect("a marker");
    assert_eq!(marker, format!("{} more bytes]", long.len() - kept.len()));
}

#[test]
fn a_result_exactly_at_the_budget_is_kept() {
    let value = Value::String("r".repeat(RESULT_BUDGET - 2)); // the quotes make up the rest
    assert_eq!(serde_json::to_string(&value).expect("json").len(), RESULT_BUDGET);
    assert_eq!(fit_result(value.clone()), value);
    assert_eq!(fit_result(Value::Null), Value::Null);
}

#[test]
fn a_result_over_the_budget_becomes_valid_json_that_says_so() {
    let value = Value::String("r".repeat(RESULT_BUDGET - 1));
    let fitted = fit_result(value);
    assert_eq!(fitted["truncated"], true);
    assert_eq!(fitted["bytes"], RESULT_BUDGET + 1);
    assert_eq!(fitted["limit"], RESULT_BUDGET);
    let preview = fitted["preview"].as_str().expect("a preview");
    assert_eq!(preview.len(), RESULT_PREVIEW_BYTES);
    assert!(preview.starts_with("\"rrr"));
    let text = serde_json::to_string(&fitted).expect("json");
    assert_eq!(serde_json::from_str::<Value>(&text).expect("valid JSON"), fitted);
}

#[test]
fn an_oversized_preview_is_cut_on_a_character_boundary_and_stays_small() {
    // "\"" then 2-byte characters: byte 4096 falls inside one.
    let fitted = fit_result(Value::String("é".repeat(RESULT_BUDGET)));
    assert_eq!(fitted["preview"].as_str().map(str::len), Some(RESULT_PREVIEW_BYTES - 1));
    // The worst case for escaping twice: control characters, written \u0001 and then \\u0001.
    let fitted = fit_result(Value::String("\u{1}".repeat(RESULT_BUDGET)));
    let size = serde_json::to_string(&fitted).expect("json").len();
    assert!(size < 3 * RESULT_PREVIEW_BYTES, "{size}");
}

#[test]
fn a_record_at_its_budgets_is_left_exactly_as_it_is_and_one_over_is_cut() {
    let now = chrono::Utc::now();
    let mut full = Execution::new(JobId::parse("j").expect("id"), RunKind::Script, now, 1, TriggeredBy::Api, None, now);
    full.result = Some(Value::String("r".repeat(RESULT_BUDGET - 2)));
    full.error = Some("e".repeat(ERROR_BUDGET));
    full.stdout_tail = Some(char::REPLACEMENT_CHARACTER.to_string().repeat(TAIL_BUDGET / 3));
    full.stderr_tail = Some("s".repeat(TAIL_BUDGET));
    let mut fitted = full.clone();
    fitted.fit_to_record_budget();
    assert_eq!(fitted, full);

    let mut over = full.clone();
    over.result = Some(Value::String("r".repeat(4 * RESULT_BUDGET)));
    for text in [&mut over.error, &mut over.stdout_tail].into_iter().flatten() {
        text.push('!');
    }
    over.stderr_tail = Some(String::from_utf8_lossy(&vec![0xFE_u8; 1 << 20]).into_owned());
    over.fit_to_record_budget();
    assert_eq!(over.result.as_ref().map(|r| r["truncated"].clone()), Some(Value::Bool(true)));
    let more = format!("{} more bytes]", ERROR_MARKER_MAX + 1);
    assert!(over.error.as_ref().is_some_and(|e| e.len() <= ERROR_BUDGET && e.ends_with(&more)), "{:?}", over.error);
    for tail in [&over.stdout_tail, &over.stderr_tail] {
        assert!(tail.as_ref().is_some_and(|t| t.len() <= TAIL_BUDGET && t.starts_with(DROPPED_PREFIX)));
    }
}
