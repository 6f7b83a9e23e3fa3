//! SentinelMaster: the master that Redis Sentinels name, and the
//! credentials to log in to it.

use super::target::Credentials;

/// The master that Redis Sentinels monitor under a name, and how to log in
/// to it: the value [`ConnectOptions::sentinel`](crate::ConnectOptions::sentinel)
/// takes. Credentials in the Sentinel URLs log in to the Sentinels;
/// [`password`](Self::password) and [`user`](Self::user) log in to the
/// master, and exist only here, so they cannot be set on another target.
///
/// ```
/// use state_signals::{ConnectOptions, SentinelMaster};
/// let master = SentinelMaster::new(["redis://s1:26379", "redis://s2:26379"], "mymaster")
///     .user("app")
///     .password("s3cret");
/// let options = ConnectOptions::sentinel(master);
/// assert!(!format!("{options:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct SentinelMaster {
    pub(crate) sentinels: Vec<String>,
    pub(crate) master: String,
    pub(crate) credentials: Credentials,
}

impl SentinelMaster {
    /// The master that the Sentinels at `sentinels` (URLs,
    /// `redis://host:26379` or `rediss://…`) monitor under `master`.
    pub fn new<I, S>(sentinels: I, master: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            sentinels: sentinels.into_iter().map(Into::into).collect(),
            master: master.into(),
            credentials: Credentials::default(),
        }
    }

    /// The password to log in to the master with (its `requirepass`, or the
    /// ACL user's password with [`user`](Self::user)). It is kept out of
    /// logs, errors and `Debug` like a URL's password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.credentials.password = Some(password.into());
        self
    }

    /// The ACL user to log in to the master as (with
    /// [`password`](Self::password)).
    pub fn user(mut self, username: impl Into<String>) -> Self {
        self.credentials.username = Some(username.into());
        self
    }
}

impl std::fmt::Debug for SentinelMaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelMaster")
            .field("master", &self.master)
            .field("sentinels", &self.sentinels.len())
            .field("user", &self.credentials.username)
            .finish_non_exhaustive()
    }
}
