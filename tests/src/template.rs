//! `template.yaml` as the checks read it: the file itself, and a tree of its YAML in which
//! CloudFormation's short tags survive (`tests/tests/template_routes.rs`,
//! `tests/tests/sam_local_files.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use yaml::Node;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

pub fn template() -> Node {
    let path = root().join("template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    yaml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One `AWS::Serverless::Function`, as a local run sees it.
pub struct Function {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: what `sam build` builds, and cargo-lambda's name for it.
    pub binary: String,
    /// The variables it gets: `Globals`' overlaid with its own, as written.
    pub variables: BTreeMap<String, Node>,
    /// Its `HttpApi` events.
    pub routes: Vec<Route>,
}

pub struct Route {
    pub method: String,
    pub path: String,
    /// `Auth.Authorizer: NONE`; every other route is behind the API key authorizer.
    pub public: bool,
}

impl Route {
    /// API Gateway's `routeKey`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

pub fn functions(template: &Node) -> Vec<Function> {
    let globals = template.get_path(&["Globals", "Function", "Environment", "Variables"]);
    let resources = template.get("Resources").expect("Resources");
    let mut found = Vec::new();
    for (logical_id, resource) in resources.entries() {
        if resource.get("Type").and_then(Node::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource.get_path(&["Metadata", "BuildProperties", "Binary"]).and_then(Node::as_str);
        let properties = resource.get("Properties");
        let own = properties.and_then(|p| p.get_path(&["Environment", "Variables"]));
        let variables = [globals, own].into_iter().flatten().flat_map(Node::entries);
        let routes = properties
            .and_then(|p| p.get("Events"))
            .into_iter()
            .flat_map(Node::entries)
            .filter(|(_, event)| event.get("Type").and_then(Node::as_str) == Some("HttpApi"))
            .filter_map(|(_, event)| event.get("Properties"))
            .map(|event| Route {
                method: event.get("Method").and_then(Node::as_str).unwrap_or_default().to_ascii_uppercase(),
                path: event.get("Path").and_then(Node::as_str).unwrap_or_default().to_owned(),
                public: event.get_path(&["Auth", "Authorizer"]).and_then(Node::as_str) == Some("NONE"),
            })
            .collect();
        found.push(Function {
            logical_id: logical_id.to_owned(),
            binary: binary.unwrap_or_else(|| panic!("{logical_id}: no BuildProperties.Binary")).to_owned(),
            variables: variables.map(|(name, value)| (name.to_owned(), value.clone())).collect(),
            routes,
        });
    }
    found
}

/// The template as the checks read it: YAML parsed by serde_yaml_ng, then turned into a tree of
/// text. CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, ...) stay tagged nodes, and
/// scalars stay text (`true` and `0` are compared as written), so a check does not depend on
/// how YAML types an unquoted word.
pub mod yaml {
    use serde_yaml_ng::Value;

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Node {
        Scalar(String),
        Tagged(String, Box<Node>),
        Seq(Vec<Node>),
        Map(Vec<(String, Node)>),
    }

    impl Node {
        pub fn tagged(tag: &str, value: &str) -> Self {
            Self::Tagged(tag.to_owned(), Box::new(Self::Scalar(value.to_owned())))
        }

        pub fn as_str(&self) -> Option<&str> {
            match self {
                Self::Scalar(s) => Some(s),
                _ => None,
            }
        }

        pub fn get(&self, key: &str) -> Option<&Node> {
            self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
        }

        pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
            path.iter().try_fold(self, |node, key| node.get(key))
        }

        pub fn entries(&self) -> impl Iterator<Item = (&str, &Node)> {
            let entries: &[(String, Node)] = match self {
                Self::Map(entries) => entries,
                _ => &[],
            };
            entries.iter().map(|(k, v)| (k.as_str(), v))
        }

        pub fn items(&self) -> &[Node] {
            match self {
                Self::Seq(items) => items,
                _ => &[],
            }
        }
    }

    /// One document; duplicate keys and anything YAML does not allow are errors.
    pub fn parse(text: &str) -> Result<Node, String> {
        let value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        node(value)
    }

    fn node(value: Value) -> Result<Node, String> {
        Ok(match value {
            Value::Null => return Err("an empty value (null) where the template must say something".to_owned()),
            Value::Bool(b) => Node::Scalar(b.to_string()),
            Value::Number(n) => Node::Scalar(n.to_string()),
            Value::String(s) => Node::Scalar(s),
            Value::Sequence(items) => Node::Seq(items.into_iter().map(node).collect::<Result<_, _>>()?),
            Value::Mapping(entries) => Node::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| match key {
                        Value::String(key) => Ok((key, node(value)?)),
                        other => Err(format!("a mapping key that is not text: {other:?}")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Value::Tagged(tagged) => Node::Tagged(tagged.tag.to_string(), Box::new(node(tagged.value)?)),
        })
    }
}
