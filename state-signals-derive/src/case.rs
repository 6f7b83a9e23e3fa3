//! Rename rules: variant name -> wire name, and variant name -> handler method name.

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase,
    ToUpperCamelCase,
};

/// A `rename_all` rule; word splitting as the `heck` crate does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Kebab,
    Snake,
    Lower,
    Upper,
    ScreamingKebab,
    ScreamingSnake,
    Camel,
    Pascal,
}

impl RenameRule {
    /// The default rule when the enum has no `rename_all`.
    pub(crate) const DEFAULT: Self = Self::Kebab;

    /// Every rule with its name, in the order the error message lists them.
    const ALL: [(&'static str, Self); 8] = [
        ("kebab-case", Self::Kebab),
        ("snake_case", Self::Snake),
        ("lowercase", Self::Lower),
        ("UPPERCASE", Self::Upper),
        ("SCREAMING-KEBAB-CASE", Self::ScreamingKebab),
        ("SCREAMING_SNAKE_CASE", Self::ScreamingSnake),
        ("camelCase", Self::Camel),
        ("PascalCase", Self::Pascal),
    ];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, rule)| *rule)
    }

    /// "`kebab-case`, `snake_case`, …" for error messages.
    pub(crate) fn expected() -> String {
        Self::ALL
            .iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The wire name of a variant under this rule.
    pub(crate) fn apply(self, variant: &str) -> String {
        match self {
            Self::Kebab => variant.to_kebab_case(),
            Self::Snake => variant.to_snake_case(),
            Self::Lower => variant.to_ascii_lowercase(),
            Self::Upper => variant.to_ascii_uppercase(),
            Self::ScreamingKebab => variant.to_shouty_kebab_case(),
            Self::ScreamingSnake => variant.to_shouty_snake_case(),
            Self::Camel => variant.to_lower_camel_case(),
            Self::Pascal => variant.to_upper_camel_case(),
        }
    }
}

/// `on_<snake_case variant>`: the handler method of a variant.
pub(crate) fn method_name(variant: &str) -> String {
    format!("on_{}", variant.to_snake_case())
}

#[cfg(test)]
mod tests {
    use super::RenameRule::*;
    use super::*;

    #[test]
    fn rules_split_words_like_heck() {
        assert_eq!(Kebab.apply("HTTPStart"), "http-start");
        assert_eq!(Kebab.apply("Sample2"), "sample2");
        assert_eq!(Kebab.apply("BenchmarkStop"), "benchmark-stop");
        assert_eq!(Snake.apply("HTTPStart"), "http_start");
        assert_eq!(Lower.apply("HTTPStart"), "httpstart");
        assert_eq!(Upper.apply("HttpStart"), "HTTPSTART");
        assert_eq!(ScreamingKebab.apply("HttpStart"), "HTTP-START");
        assert_eq!(ScreamingSnake.apply("Sample2Done"), "SAMPLE2_DONE");
        assert_eq!(Camel.apply("HTTPStart"), "httpStart");
        assert_eq!(Pascal.apply("HTTPStart"), "HttpStart");
        assert_eq!(method_name("HTTPStart"), "on_http_start");
        assert_eq!(method_name("Sample2"), "on_sample2");
    }

    #[test]
    fn names_round_trip() {
        for (name, rule) in RenameRule::ALL {
            assert_eq!(RenameRule::from_name(name), Some(rule));
        }
        assert_eq!(RenameRule::from_name("kebab"), None);
        assert!(RenameRule::expected().starts_with("`kebab-case`, `snake_case`"));
    }
}
