//! What each HTTP function's binary wires besides the table and the schedules, read from the
//! binary's own source (`functions/src/bin/<name>.rs` passes `Reach::table()`, `Reach::bucket()`,
//! ...): tests serve each function with what its binary wires, and hold it to what the template
//! grants its role.

use jobsmith::adapters::aws::app::{AwsApp, Reach};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredReach {
    Table,
    Bucket,
    Executor,
    Everything,
}

impl DeclaredReach {
    pub const ALL: [Self; 4] = [Self::Table, Self::Bucket, Self::Executor, Self::Everything];

    pub fn reach(self) -> Reach {
        match self {
            Self::Table => Reach::table(),
            Self::Bucket => Reach::bucket(),
            Self::Executor => Reach::executor(),
            Self::Everything => Reach::everything(),
        }
    }

    pub fn bucket(self) -> bool {
        matches!(self, Self::Bucket | Self::Everything)
    }

    pub fn executor(self) -> bool {
        matches!(self, Self::Executor | Self::Everything)
    }

    fn constructor(self) -> &'static str {
        match self {
            Self::Table => "Reach::table()",
            Self::Bucket => "Reach::bucket()",
            Self::Executor => "Reach::executor()",
            Self::Everything => "Reach::everything()",
        }
    }
}

/// The reach of the HTTP function `function`: what its binary passes to `serve_http`, or the
/// table alone for `serve_static_http`. `None` for a function that serves no route.
pub fn declared_reach(function: &str) -> Option<DeclaredReach> {
    let path = format!("{}/../functions/src/bin/{function}.rs", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    if source.contains("serve_static_http(") {
        return Some(DeclaredReach::Table);
    }
    if !source.contains("serve_http(") {
        return None;
    }
    let named: Vec<_> = DeclaredReach::ALL.into_iter().filter(|reach| source.contains(reach.constructor())).collect();
    match named.as_slice() {
        [one] => Some(*one),
        _ => panic!("{path} names {} reaches; it serves with exactly one", named.len()),
    }
}

/// One app per reach over the same configuration: each function is served by the app its binary
/// wires, and [`AppsByReach::everything`] plants what the tests read.
pub struct AppsByReach(Vec<(DeclaredReach, AwsApp)>);

impl AppsByReach {
    pub fn build(mut build: impl FnMut(Reach) -> AwsApp) -> Self {
        Self(DeclaredReach::ALL.into_iter().map(|reach| (reach, build(reach.reach()))).collect())
    }

    pub fn everything(&self) -> &AwsApp {
        self.with(DeclaredReach::Everything)
    }

    /// The app `function`'s binary wires.
    pub fn of(&self, function: &str) -> &AwsApp {
        self.with(declared_reach(function).unwrap_or_else(|| panic!("{function} serves no route")))
    }

    fn with(&self, reach: DeclaredReach) -> &AwsApp {
        self.0.iter().find(|(built, _)| *built == reach).map(|(_, app)| app).expect("an app per reach")
    }
}
