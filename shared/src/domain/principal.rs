//! Who is calling, and what they may do. API keys are kept only as SHA-256 hashes: the keys are
//! 256 random bits, so a fast hash is as strong as a slow one and keeps every request cheap.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "viewer" => Some(Self::Viewer),
            "operator" => Some(Self::Operator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

impl Principal {
    /// The caller when the server runs open on loopback with no keys configured.
    pub fn anonymous_admin() -> Self {
        Self { name: "anonymous".to_owned(), role: Role::Admin }
    }
}

#[derive(Clone)]
struct KeyEntry {
    principal: Principal,
    hash: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyConfigError {
    #[error("API key entry {0}: expected NAME:ROLE:sha256:HEX")]
    Shape(usize),
    #[error("API key entry {0}: role must be viewer, operator or admin")]
    Role(usize),
    #[error("API key entry {0}: hash must be 64 hex digits of SHA-256")]
    Hash(usize),
    #[error("API key entry {0}: name must be 1 to 64 of letters, digits, '-', '_', '.' or '@'")]
    Name(usize),
}

/// The configured keys. Lookup compares against every entry in constant time so that timing
/// says nothing about which key, or how much of one, matched.
#[derive(Clone, Default)]
pub struct KeyRing {
    entries: Vec<KeyEntry>,
}

impl KeyRing {
    /// Parses entries separated by commas, semicolons or newlines: `NAME:ROLE:sha256:HEX`.
    pub fn parse(config: &str) -> Result<Self, KeyConfigError> {
        let mut entries = Vec::new();
        for (index, raw) in config.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            let number = index + 1;
            let parts: Vec<&str> = raw.split(':').collect();
            let [name, role, algorithm, hex_hash] = parts.as_slice() else {
                return Err(KeyConfigError::Shape(number));
            };
            if *algorithm != "sha256" {
                return Err(KeyConfigError::Shape(number));
            }
            let name_ok = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@'));
            if !name_ok {
                return Err(KeyConfigError::Name(number));
            }
            let role = Role::parse(role).ok_or(KeyConfigError::Role(number))?;
            let mut hash = [0u8; 32];
            hex::decode_to_slice(hex_hash, &mut hash).map_err(|_| KeyConfigError::Hash(number))?;
            entries.push(KeyEntry { principal: Principal { name: (*name).to_owned(), role }, hash });
        }
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn authenticate(&self, presented: &str) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found: Option<&KeyEntry> = None;
        for entry in &self.entries {
            if bool::from(entry.hash.ct_eq(&digest)) {
                found = Some(entry);
            }
        }
        found.map(|e| e.principal.clone())
    }
}

/// A fresh key and the configuration line that admits it.
pub struct NewKey {
    pub key: String,
    pub config_line: String,
}

pub fn generate_key(name: &str, role: Role) -> Result<NewKey, KeyConfigError> {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    let key = format!("jsk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let config_line = format!("{name}:{}:sha256:{}", role.as_str(), hex::encode(Sha256::digest(key.as_bytes())));
    KeyRing::parse(&config_line)?;
    Ok(NewKey { key, config_line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_authenticate_with_their_role() {
        let a = generate_key("alice", Role::Operator).unwrap();
        let b = generate_key("bob", Role::Viewer).unwrap();
        assert!(!a.config_line.contains(&a.key), "the line must not hold the key itself");
        let ring = KeyRing::parse(&format!("{}\n{}", a.config_line, b.config_line)).unwrap();
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.authenticate(&a.key), Some(Principal { name: "alice".into(), role: Role::Operator }));
        assert_eq!(ring.authenticate(&b.key).map(|p| p.role), Some(Role::Viewer));
        assert_eq!(ring.authenticate("jsk_wrong"), None);
        assert_eq!(ring.authenticate(""), None);
    }

    #[test]
    fn bad_configuration_is_refused_with_its_position() {
        assert_eq!(KeyRing::parse("x:admin").err(), Some(KeyConfigError::Shape(1)));
        let hash = "0".repeat(64);
        assert_eq!(
            KeyRing::parse(&format!("a:admin:sha256:{hash},b:root:sha256:{hash}")).err(),
            Some(KeyConfigError::Role(2))
        );
        assert_eq!(KeyRing::parse("a:admin:sha256:zz").err(), Some(KeyConfigError::Hash(1)));
        assert_eq!(KeyRing::parse(&format!("a:admin:md5:{hash}")).err(), Some(KeyConfigError::Shape(1)));
        assert_eq!(KeyRing::parse(&format!("a b:admin:sha256:{hash}")).err(), Some(KeyConfigError::Name(1)));
        assert!(KeyRing::parse("  ").unwrap().is_empty());
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Operator));
        assert!(Role::Operator.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Admin));
    }
}
