//! Every physical name `template.yaml` builds from the stack fits its AWS limit whatever the
//! stack is called. A stack name may have 128 characters and CloudFormation's Rules cannot
//! measure a string, so the template cannot refuse a long one: no name may depend on the stack's
//! name in a way that can outgrow its limit. What must stay short is left for CloudFormation to
//! name, which cuts its generated names to fit.

use jobsmith_tests::template::{Node, template};

/// The longest stack name CloudFormation accepts.
const STACK_NAME_MAX: usize = 128;
/// A stack id's last part.
const STACK_UUID: &str = "0f0e0d0c-0b0a-4909-8807-060504030201";
/// The longest of each that a deploy may fill in.
const PARTITION: &str = "aws-us-gov";
const REGION: &str = "ap-southeast-5";
const ACCOUNT: &str = "123456789012";

/// What AWS accepts for a name: at most `max` characters, counting `prefix` in front of it
/// when the limit is on an ARN built from the name.
struct Limit {
    resource: &'static str,
    property: &'static str,
    max: usize,
    prefix: fn() -> String,
}

fn none() -> String {
    String::new()
}

fn layer_arn() -> String {
    format!("arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:layer:")
}

const LIMITS: &[Limit] = &[
    Limit { resource: "AWS::Serverless::Function", property: "FunctionName", max: 64, prefix: none },
    Limit { resource: "AWS::Lambda::Function", property: "FunctionName", max: 64, prefix: none },
    // A layer version's ARN, which holds the name, has at most 140 characters.
    Limit { resource: "AWS::Serverless::LayerVersion", property: "LayerName", max: 140, prefix: layer_arn },
    Limit { resource: "AWS::Lambda::LayerVersion", property: "LayerName", max: 140, prefix: layer_arn },
    Limit { resource: "AWS::Logs::LogGroup", property: "LogGroupName", max: 512, prefix: none },
    Limit { resource: "AWS::Scheduler::ScheduleGroup", property: "Name", max: 64, prefix: none },
    Limit { resource: "AWS::Scheduler::Schedule", property: "Name", max: 64, prefix: none },
    Limit { resource: "AWS::IAM::Role", property: "RoleName", max: 64, prefix: none },
    Limit { resource: "AWS::IAM::ManagedPolicy", property: "ManagedPolicyName", max: 128, prefix: none },
    Limit { resource: "AWS::IAM::Policy", property: "PolicyName", max: 128, prefix: none },
    Limit { resource: "AWS::SQS::Queue", property: "QueueName", max: 80, prefix: none },
    Limit { resource: "AWS::CloudWatch::Alarm", property: "AlarmName", max: 255, prefix: none },
    Limit { resource: "AWS::DynamoDB::Table", property: "TableName", max: 255, prefix: none },
    Limit { resource: "AWS::S3::Bucket", property: "BucketName", max: 63, prefix: none },
];

/// The pseudo parameters a deploy fills in, at their longest.
struct Stack {
    name: String,
}

impl Stack {
    fn longest() -> Self {
        let name: String = "jobsmith-".chars().chain(std::iter::repeat('x')).take(STACK_NAME_MAX).collect();
        Self { name }
    }

    fn pseudo(&self, name: &str) -> Result<String, String> {
        Ok(match name {
            "AWS::StackName" => self.name.clone(),
            "AWS::StackId" => {
                format!("arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{}/{STACK_UUID}", self.name)
            }
            "AWS::Partition" => PARTITION.to_owned(),
            "AWS::Region" => REGION.to_owned(),
            "AWS::AccountId" => ACCOUNT.to_owned(),
            other => return Err(format!("depends on {other}, whose length is not known here")),
        })
    }

    /// The text `node` stands for: the intrinsic functions a name is built with.
    fn text(&self, node: &Node) -> Result<String, String> {
        match node {
            Node::Scalar(text) => Ok(text.clone()),
            Node::Tagged(tag, inner) => match (tag.as_str(), inner.as_ref()) {
                ("!Ref", Node::Scalar(name)) => self.pseudo(name),
                ("!Sub", Node::Scalar(text)) => self.substitute(text),
                ("!Join", Node::Seq(args)) if args.len() == 2 => {
                    let separator = self.text(&args[0])?;
                    let parts = self.list(&args[1])?;
                    Ok(parts.join(&separator))
                }
                ("!Select", Node::Seq(args)) if args.len() == 2 => {
                    let index: usize = self.text(&args[0])?.parse().map_err(|_| "a !Select index".to_owned())?;
                    self.list(&args[1])?.into_iter().nth(index).ok_or_else(|| format!("no item {index}"))
                }
                _ => Err(format!("{tag} is not evaluated here")),
            },
            other => Err(format!("not a text: {other:?}")),
        }
    }

    fn list(&self, node: &Node) -> Result<Vec<String>, String> {
        match node {
            Node::Seq(items) => items.iter().map(|item| self.text(item)).collect(),
            Node::Tagged(tag, inner) if tag == "!Split" => match inner.as_ref() {
                Node::Seq(args) if args.len() == 2 => {
                    let separator = self.text(&args[0])?;
                    Ok(self.text(&args[1])?.split(separator.as_str()).map(str::to_owned).collect())
                }
                other => Err(format!("!Split of {other:?}")),
            },
            other => Err(format!("not a list: {other:?}")),
        }
    }

    fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').ok_or_else(|| format!("an unclosed ${{ in {text}"))? + start;
            out.push_str(&self.pseudo(&rest[start + 2..end])?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn mentions_the_stack(node: &Node) -> bool {
    format!("{node:?}").contains("AWS::Stack")
}

#[test]
fn every_name_built_from_the_stack_fits_with_the_longest_stack_name() {
    let template = template();
    let stack = Stack::longest();
    assert_eq!(stack.name.len(), STACK_NAME_MAX);
    let mut checked = 0;
    let mut too_long = Vec::new();
    for (id, resource) in template.get("Resources").expect("Resources").entries() {
        let kind = resource.get("Type").and_then(Node::as_str).unwrap_or_default();
        let Some(properties) = resource.get("Properties") else { continue };
        for (property, value) in properties.entries() {
            if !property.ends_with("Name") || !mentions_the_stack(value) {
                continue;
            }
            let limit = LIMITS
                .iter()
                .find(|l| l.resource == kind && l.property == property)
                .unwrap_or_else(|| panic!("{id}.{property}: no known limit for a {kind}'s {property}; add it"));
            let name = stack.text(value).unwrap_or_else(|e| panic!("{id}.{property}: {e}"));
            let length = (limit.prefix)().len() + name.len();
            if length > limit.max {
                too_long.push(format!("{id}.{property}: {length} > {} ({name})", limit.max));
            }
            checked += 1;
        }
    }
    assert!(
        too_long.is_empty(),
        "names too long for a {STACK_NAME_MAX}-character stack name:\n{}",
        too_long.join("\n")
    );
    assert!(checked > 0, "the template names nothing after its stack: this test checks nothing");
}

/// Names the test cannot bound (a resource's own name, a parameter) are refused rather than
/// passed: each needs a limit of its own.
#[test]
fn the_evaluation_covers_what_the_template_uses_and_refuses_the_rest() {
    let stack = Stack::longest();
    let sub = Node::tagged("!Sub", "/aws/lambda/${AWS::StackName}/x");
    assert_eq!(stack.text(&sub), Ok(format!("/aws/lambda/{}/x", stack.name)));
    let id = Node::tagged("!Ref", "AWS::StackId");
    let split = Node::Tagged("!Split".to_owned(), Box::new(Node::Seq(vec![Node::Scalar("/".to_owned()), id])));
    let select = Node::Tagged("!Select".to_owned(), Box::new(Node::Seq(vec![Node::Scalar("2".to_owned()), split])));
    let join = Node::Tagged(
        "!Join".to_owned(),
        Box::new(Node::Seq(vec![Node::Scalar("-".to_owned()), Node::Seq(vec![Node::Scalar("l".to_owned()), select])])),
    );
    assert_eq!(stack.text(&join), Ok(format!("l-{STACK_UUID}")));
    assert!(stack.text(&Node::tagged("!Sub", "${Table}-x")).is_err());
    assert!(stack.text(&Node::tagged("!GetAtt", "Queue.QueueName")).is_err());
}
