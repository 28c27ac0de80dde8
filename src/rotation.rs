//! Refresh-token rotation across processes: before a refresh, a newer refresh token that
//! another run of the job put in the token cache is taken up, so that two overlapping runs do
//! not present the same (spent) token.

use crate::cache::TokenCache;
use crate::AuthFlow;
use crate::Client;

impl Client {
    /// Takes up the token cache's refresh token when another process rotated it since.
    pub(crate) fn pick_up_rotated_token(&self) {
        if self.inner.auth.flow != AuthFlow::RefreshToken {
            return;
        }
        if let Some(token) = self
            .inner
            .cache
            .as_ref()
            .and_then(TokenCache::refresh_token)
        {
            self.inner.auth.adopt_unspent(token);
        }
    }
}
