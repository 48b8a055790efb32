//! The configured API keys: a name, a role and the SHA-256 of the key for each, never the key
//! itself. Written as `name:role:sha256-hex` entries, one per line (a file) or separated by
//! commas (an environment variable); `#` starts a comment.

use std::collections::BTreeMap;
use std::fmt;

use saga_core::Owner;
use saga_core::ports::Entropy;
use sha2::{Digest, Sha256};

/// What a key may do. Ordered: an operator may do everything a client may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Places and reads its own orders.
    Client,
    /// Also acts on the saga: the explorer's replay and discard.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Operator => "operator",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "client" => Ok(Self::Client),
            "operator" => Ok(Self::Operator),
            other => Err(format!("unknown role {other:?} (client or operator)")),
        }
    }
}

/// Who a request authenticated as: the key's name (which owns the orders it places) and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub owner: Owner,
    pub role: Role,
}

/// A configuration entry that does not parse; names the entry by position, never the hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("API key entry {entry}: {reason}")]
pub struct KeysError {
    /// 1-based position among the entries of the text that was read.
    pub entry: usize,
    pub reason: String,
}

/// The set of accepted keys, by hash. `Debug` shows names and roles only.
#[derive(Clone, Default)]
pub struct ApiKeys {
    by_hash: BTreeMap<[u8; 32], Principal>,
}

impl ApiKeys {
    /// Parses entries separated by newlines or commas; blank entries and `#` comments are
    /// skipped. A name may have several keys (to rotate one), always with the same role.
    ///
    /// # Errors
    /// [`KeysError`] for an entry that is not `name:role:64-hex-digits`, a hash listed twice,
    /// or a name given two roles.
    pub fn parse(text: &str) -> Result<Self, KeysError> {
        let mut keys = Self::default();
        keys.extend(text)?;
        Ok(keys)
    }

    /// Adds the entries of `text` (as [`ApiKeys::parse`] reads them).
    ///
    /// # Errors
    /// As [`ApiKeys::parse`].
    pub fn extend(&mut self, text: &str) -> Result<(), KeysError> {
        let entries = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|entry| !entry.is_empty());
        for (index, entry) in entries.enumerate() {
            let error = |reason: String| KeysError {
                entry: index + 1,
                reason,
            };
            let (hash, principal) = parse_entry(entry).map_err(error)?;
            if let Some(other) = self.by_hash.values().find(|p| p.owner == principal.owner) {
                if other.role != principal.role {
                    return Err(error(format!(
                        "key name {} is given two roles",
                        principal.owner
                    )));
                }
            }
            if self.by_hash.insert(hash, principal).is_some() {
                return Err(error("the same key hash is listed twice".into()));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// How many keys (not names) are configured.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Who holds `key`, if anyone.
    pub fn principal(&self, key: &str) -> Option<&Principal> {
        self.by_hash.get(&digest(key))
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: std::collections::BTreeSet<_> = self
            .by_hash
            .values()
            .map(|p| format!("{}:{}", p.owner, p.role.as_str()))
            .collect();
        f.debug_struct("ApiKeys")
            .field("keys", &self.by_hash.len())
            .field("names", &names)
            .finish()
    }
}

/// A fresh key: `sk_` and 256 random bits in hex. Shown once to whoever makes it; only its
/// hash is configured.
pub fn generate_key(entropy: &dyn Entropy) -> String {
    let bits: String = (0..4)
        .map(|_| format!("{:016x}", entropy.next_u64()))
        .collect();
    format!("sk_{bits}")
}

/// The configuration entry for `key`: `name:role:sha256-hex`.
pub fn entry(owner: &Owner, role: Role, key: &str) -> String {
    format!("{owner}:{}:{}", role.as_str(), hash_key(key))
}

/// The SHA-256 of `key` as 64 lowercase hex digits: what the configuration holds.
pub fn hash_key(key: &str) -> String {
    digest(key).iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn parse_entry(entry: &str) -> Result<([u8; 32], Principal), String> {
    let mut parts = entry.splitn(3, ':');
    let (Some(name), Some(role), Some(hex)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected name:role:sha256-hex".into());
    };
    let owner = Owner::parse(name.trim()).map_err(|e| e.to_string())?;
    let role = role.trim().parse()?;
    let hex = hex.trim();
    let valid = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(format!(
            "the hash of key {owner} must be 64 hex digits (the SHA-256 of the key, not the key)"
        ));
    }
    let mut hash = [0_u8; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).expect("hex digits are ASCII");
        *byte = u8::from_str_radix(pair, 16).expect("checked hex digits");
    }
    Ok((hash, Principal { owner, role }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_through_their_entry() {
        let key = generate_key(&saga_core::ports::OsEntropy);
        assert_eq!(key.len(), 3 + 64);
        assert_ne!(key, generate_key(&saga_core::ports::OsEntropy));
        let owner = Owner::parse("ops").unwrap();
        let keys = ApiKeys::parse(&entry(&owner, Role::Operator, &key)).unwrap();
        assert_eq!(
            keys.principal(&key),
            Some(&Principal {
                owner,
                role: Role::Operator
            })
        );
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn entries_from_a_file_or_a_variable() {
        let text = format!(
            "# development keys\nalice:client:{}\n\nops:operator:{} # the on-call key\n",
            hash_key("a-secret"),
            hash_key("o-secret").to_uppercase()
        );
        let keys = ApiKeys::parse(&text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.principal("a-secret").unwrap().owner.as_str(), "alice");
        assert_eq!(keys.principal("o-secret").unwrap().role, Role::Operator);
        assert!(keys.principal("wrong").is_none());
        let inline = format!(
            "alice:client:{}, alice:client:{}",
            hash_key("1"),
            hash_key("2")
        );
        assert_eq!(
            ApiKeys::parse(&inline).unwrap().len(),
            2,
            "a name may rotate keys"
        );
    }

    #[test]
    fn bad_entries_are_named_by_position_and_never_echo_the_hash() {
        let good = format!("alice:client:{}", hash_key("k"));
        for (text, says) in [
            (format!("{good}\nbob:client"), "entry 2: expected name:role"),
            (
                format!("{good}\nbob:admin:{}", hash_key("b")),
                "unknown role \"admin\"",
            ),
            (
                "bob:client:my-clear-key".to_owned(),
                "must be 64 hex digits",
            ),
            (
                format!("bad name:client:{}", hash_key("b")),
                "a key name must be",
            ),
            (format!("{good}\n{good}"), "listed twice"),
            (
                format!("{good}\nalice:operator:{}", hash_key("x")),
                "two roles",
            ),
        ] {
            let error = ApiKeys::parse(&text).unwrap_err().to_string();
            assert!(error.contains(says), "{text}: {error}");
            assert!(!error.contains(&hash_key("b")), "{error}");
        }
    }

    #[test]
    fn debug_shows_names_not_hashes() {
        let keys = ApiKeys::parse(&format!("alice:client:{}", hash_key("k"))).unwrap();
        let shown = format!("{keys:?}");
        assert!(shown.contains("alice:client"), "{shown}");
        assert!(!shown.contains(&hash_key("k")[..16]), "{shown}");
    }
}
