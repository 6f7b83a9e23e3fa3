//! Ras: the Response Action Success code.

use std::fmt;

/// Response Action Success: how a responder fared acting on a signal.
///
/// `1` means success; any other integer is a failure, and the integer is kept
/// so the exporter can report it.
///
/// ```
/// use state_signals::Ras;
/// assert!(Ras::SUCCESS.is_success());
/// assert!(!Ras::from(3).is_success());
/// assert_eq!(Ras::from(false), Ras::FAILURE);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ras(i64);

impl Ras {
    /// `1`: the responder acted on the signal successfully.
    pub const SUCCESS: Ras = Ras(1);
    /// `0`: the conventional failure code.
    pub const FAILURE: Ras = Ras(0);

    /// A Ras with this integer value.
    pub const fn new(code: i64) -> Self {
        Self(code)
    }

    /// The integer that travels on the wire.
    pub const fn code(self) -> i64 {
        self.0
    }

    /// Whether this is [`Ras::SUCCESS`].
    pub const fn is_success(self) -> bool {
        self.0 == 1
    }
}

impl From<i64> for Ras {
    fn from(code: i64) -> Self {
        Self(code)
    }
}

impl From<bool> for Ras {
    /// `true` is success (1), `false` failure (0), as Python counts them.
    fn from(ok: bool) -> Self {
        if ok { Self::SUCCESS } else { Self::FAILURE }
    }
}

impl From<Ras> for i64 {
    fn from(ras: Ras) -> Self {
        ras.0
    }
}

impl fmt::Display for Ras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for Ras {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Ras {
    /// An integer; `true`/`false` count as 1/0 and an integral float as its
    /// integer, as the Python exporter's `ras != 1` comparison treats them.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Bool(ok) => Ok(Self::from(ok)),
            serde_json::Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .map(Self)
                .ok_or_else(|| D::Error::custom(format!("ras {n} is not an integer"))),
            other => Err(D::Error::custom(format!(
                "ras must be an integer, not {}",
                super::json_type(&other)
            ))),
        }
    }
}
