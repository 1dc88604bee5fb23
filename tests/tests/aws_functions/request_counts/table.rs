//! The table of requests per route, and the section of docs/dynamodb.md that holds it.

use std::path::PathBuf;

use jobsmith::adapters::aws::request_count::RequestCounts;
use jobsmith::http::routes::{ROUTES, RouteSpec};

use super::STATE;

const BEGIN: &str = "<!-- requests:begin -->";
const END: &str = "<!-- requests:end -->";
/// Set to `1` to write the measured table into the document instead of comparing.
const WRITE: &str = "JOBSMITH_WRITE_REQUEST_COUNTS";
/// The table's service columns, in the names the SDK gives the services.
const SERVICES: [&str; 4] = ["DynamoDB", "S3", "Scheduler", "Lambda"];

pub struct Row {
    pub route: &'static RouteSpec,
    /// How the request differs from the route's usual one, when it does.
    pub note: &'static str,
    pub counts: RequestCounts,
}

/// The section between the markers: the state, then one line per route in the route table's order.
pub fn render(rows: &[Row]) -> String {
    let mut text = format!("\n{STATE}\n\n| route | {} | total |\n|---|", SERVICES.join(" | "));
    text.push_str(&"---|".repeat(SERVICES.len() + 1));
    text.push('\n');
    for route in ROUTES {
        let Some(row) = rows.iter().find(|r| (r.route.method, r.route.path) == (route.method, route.path)) else {
            continue;
        };
        let unknown: Vec<_> = row.counts.keys().filter(|(service, _)| !SERVICES.contains(&service.as_str())).collect();
        assert!(
            unknown.is_empty(),
            "{} {} calls a service the table has no column for: {unknown:?}",
            route.method,
            route.path
        );
        let cells: Vec<String> = SERVICES.iter().map(|service| cell(&row.counts, service)).collect();
        let total: u64 = row.counts.values().sum();
        let note = if row.note.is_empty() { String::new() } else { format!(" ({})", row.note) };
        text.push_str(&format!("| `{} {}`{note} | {} | {total} |\n", route.method, route.path, cells.join(" | ")));
    }
    text
}

/// `GetItem 1, Query 2`: one service's requests by operation, in name order.
fn cell(counts: &RequestCounts, service: &str) -> String {
    let operations: Vec<String> = counts
        .iter()
        .filter(|((s, _), _)| s == service)
        .map(|((_, operation), n)| format!("{operation} {n}"))
        .collect();
    operations.join(", ")
}

fn document() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/dynamodb.md")
}

/// Compares the measured table with the document's, or writes it there when asked to.
pub fn check_or_write(rows: &[Row]) {
    let path = document();
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    let start = doc.find(BEGIN).map(|at| at + BEGIN.len());
    let end = doc.find(END);
    let (Some(start), Some(end)) = (start, end) else {
        panic!("{} has no `{BEGIN}` … `{END}` section", path.display());
    };
    assert!(start <= end, "{}: `{END}` comes before `{BEGIN}`", path.display());
    let measured = render(rows);
    if std::env::var(WRITE).is_ok_and(|v| v == "1") {
        let written = format!("{}{measured}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, written).unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
        return;
    }
    let documented = &doc[start..end];
    if documented != measured {
        let only = |these: &str, those: &str| -> Vec<String> {
            these.lines().filter(|line| !those.lines().any(|other| other == *line)).map(|l| format!("  {l}")).collect()
        };
        panic!(
            "the requests table in docs/dynamodb.md is not what the routes make now.\n\
             Documented, not measured:\n{}\nMeasured, not documented:\n{}\n\
             If the change is meant, run this test with {WRITE}=1 to rewrite the table, and read the diff.",
            only(documented, &measured).join("\n"),
            only(&measured, documented).join("\n"),
        );
    }
}
