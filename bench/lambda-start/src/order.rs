//! Which function runs when, and with how much memory.

use jobsmith_tests::sam_local::HTTP_IN_ORDER;
use jobsmith_tests::template::{Function, Node};

/// The authorizer, the HTTP functions in the order in which their samples build on one another
/// (so that a read finds what the create before it wrote, as a deployment's first calls would),
/// then the functions that no route reaches, then anything newer than that list.
pub fn ordered(mut functions: Vec<Function>) -> Vec<Function> {
    let wanted: Vec<&str> =
        ["authorizer"].into_iter().chain(HTTP_IN_ORDER).chain(["executor", "sweep", "redrive"]).collect();
    functions.sort_by_key(|f| wanted.iter().position(|name| *name == f.binary).unwrap_or(wanted.len()));
    functions
}

/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`: the function's `MemorySize` (a literal or a parameter's
/// default), else the template's global one.
pub fn memory_size(template: &Node, logical_id: &str) -> String {
    let own = template.get_path(&["Resources", logical_id, "Properties", "MemorySize"]);
    let global = template.get_path(&["Globals", "Function", "MemorySize"]);
    match own.or(global) {
        Some(Node::Scalar(mib)) => mib.clone(),
        Some(Node::Tagged(tag, parameter)) if tag == "!Ref" => parameter
            .as_str()
            .and_then(|name| template.get_path(&["Parameters", name, "Default"]))
            .and_then(Node::as_str)
            .unwrap_or_else(|| panic!("{logical_id}: MemorySize names a parameter without a default"))
            .to_owned(),
        other => panic!("{logical_id}: MemorySize is {other:?}"),
    }
}
