//! ResultCode: the outcome of one publish, as the Python package numbers it.

use std::fmt;

/// The overall outcome of a publish, with the Python package's integer values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResultCode {
    /// `0`: every subscriber answered with ras 1 (or there were no subscribers).
    AllSucceeded = 0,
    /// `1`: every subscriber answered, some with a ras other than 1.
    SomeFailed = 1,
    /// `2`: some subscriber did not answer before the timeout.
    SomeMissing = 2,
}

impl ResultCode {
    /// The integer the Python package returns for this outcome.
    pub const fn code(self) -> i32 {
        self as i32
    }
}

impl From<ResultCode> for i32 {
    fn from(code: ResultCode) -> Self {
        code.code()
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AllSucceeded => "all succeeded",
            Self::SomeFailed => "some failed",
            Self::SomeMissing => "some missing",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ResultCode;

    #[test]
    fn codes_match_the_python_package() {
        assert_eq!(ResultCode::AllSucceeded.code(), 0);
        assert_eq!(ResultCode::SomeFailed.code(), 1);
        assert_eq!(ResultCode::SomeMissing.code(), 2);
        assert!(ResultCode::SomeMissing > ResultCode::SomeFailed);
    }
}
