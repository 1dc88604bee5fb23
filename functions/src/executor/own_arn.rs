//! The executor's own ARN, from the invocation: the template cannot hand a function its own ARN
//! (the function would depend on itself), and a name built from the stack name can outgrow
//! Lambda's 64 characters.

/// `invoked` without an alias or version qualifier, when it is a Lambda function's ARN.
///
/// Unqualified because everything else in the stack targets the function so: job schedules and
/// dispatches carry the unqualified ARN from the template, and the scheduler's role may invoke
/// that ARN alone (an IAM grant on an unqualified function ARN does not cover its qualifiers). A
/// retry then also runs the code a new fire would, not a version pinned by its first attempt.
pub fn unqualified(invoked: &str) -> Option<String> {
    let parts: Vec<&str> = invoked.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name, qualifier @ ..]
            if qualifier.len() <= 1 && [partition, region, account, name].iter().all(|p| !p.is_empty()) =>
        {
            Some(parts[..7].join(":"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::unqualified;

    const ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:jobs-ExecutorFunction-AbC123";

    #[test]
    fn the_function_arn_is_kept_and_a_qualifier_dropped() {
        assert_eq!(unqualified(ARN).as_deref(), Some(ARN));
        for qualifier in ["live", "7", "$LATEST"] {
            assert_eq!(unqualified(&format!("{ARN}:{qualifier}")).as_deref(), Some(ARN), "{qualifier}");
        }
        let china = "arn:aws-cn:lambda:cn-north-1:123456789012:function:executor";
        assert_eq!(unqualified(china).as_deref(), Some(china));
    }

    #[test]
    fn anything_else_is_not_an_executor_arn() {
        for other in ["", "executor", "arn:aws:sqs:eu-west-1:123456789012:queue", &format!("{ARN}:a:b")] {
            assert_eq!(unqualified(other), None, "{other}");
        }
        assert_eq!(unqualified("arn:aws:lambda:eu-west-1::function:executor"), None);
    }
}
