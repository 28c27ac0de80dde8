//! Refresh-token rotation ("Enable Refresh Token Rotation" on the connected app): each refresh
//! answer carries a new refresh token and the one just used stops working at once. Presenting a
//! used token again revokes the token that replaced it and every access token issued from the
//! chain, as Salesforce does.

use std::collections::{HashMap, HashSet};

/// The rotation state: which chain every refresh token and access token belongs to.
#[derive(Default)]
pub(crate) struct Rotation {
    /// Whether refresh answers rotate the token.
    pub on: bool,
    /// Refresh token (live or used) -> its chain.
    chain_of: HashMap<String, u64>,
    /// Tokens already used once under rotation.
    used: HashSet<String>,
    /// Chain -> access tokens issued from it.
    sessions: HashMap<u64, Vec<String>>,
    next_chain: u64,
}

/// What a refresh grant may do with the token it presented.
pub(crate) enum Outcome {
    /// Not rotating: the token stays valid; no new one.
    Keep,
    /// Rotating: the old token is spent; this chain gets the new one.
    Rotate(u64),
    /// A spent token came back: these refresh and access tokens are to be revoked.
    Reuse {
        refresh: Vec<String>,
        access: Vec<String>,
    },
}

impl Rotation {
    /// Decides the fate of `token`, presented to the refresh grant (`live`: still accepted).
    pub(crate) fn present(&mut self, token: &str, live: bool) -> Outcome {
        if self.used.contains(token) {
            let chain = self.chain_of.get(token).copied();
            let refresh = self
                .chain_of
                .iter()
                .filter(|(t, c)| Some(**c) == chain && !self.used.contains(*t))
                .map(|(t, _)| t.clone())
                .collect();
            let access = chain
                .and_then(|c| self.sessions.remove(&c))
                .unwrap_or_default();
            return Outcome::Reuse { refresh, access };
        }
        if !self.on || !live {
            return Outcome::Keep;
        }
        let chain = *self.chain_of.entry(token.to_owned()).or_insert_with(|| {
            self.next_chain += 1;
            self.next_chain
        });
        self.used.insert(token.to_owned());
        Outcome::Rotate(chain)
    }

    /// Records the new refresh token and access token of a rotation on `chain`.
    pub(crate) fn issued(&mut self, chain: u64, refresh: &str, access: &str) {
        self.chain_of.insert(refresh.to_owned(), chain);
        self.sessions
            .entry(chain)
            .or_default()
            .push(access.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_token_revokes_its_chain() {
        let mut r = Rotation {
            on: true,
            ..Rotation::default()
        };
        let Outcome::Rotate(chain) = r.present("r0", true) else {
            panic!("expected a rotation")
        };
        r.issued(chain, "r1", "a1");
        match r.present("r0", false) {
            Outcome::Reuse { refresh, access } => {
                assert_eq!(refresh, vec!["r1".to_string()]);
                assert_eq!(access, vec!["a1".to_string()]);
            }
            _ => panic!("expected reuse"),
        }
        r.on = false;
        assert!(matches!(r.present("other", true), Outcome::Keep));
    }
}
