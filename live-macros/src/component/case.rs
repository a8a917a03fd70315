//! Serde's `rename_all` rules, applied to field names exactly as `serde_derive` does.

/// One `#[serde(rename_all = "...")]` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    /// `lowercase`
    Lower,
    /// `UPPERCASE`
    Upper,
    /// `PascalCase`
    Pascal,
    /// `camelCase`
    Camel,
    /// `snake_case`
    Snake,
    /// `SCREAMING_SNAKE_CASE`
    ScreamingSnake,
    /// `kebab-case`
    Kebab,
    /// `SCREAMING-KEBAB-CASE`
    ScreamingKebab,
}

impl RenameRule {
    /// The rule serde accepts under this name, if any.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "lowercase" => Self::Lower,
            "UPPERCASE" => Self::Upper,
            "PascalCase" => Self::Pascal,
            "camelCase" => Self::Camel,
            "snake_case" => Self::Snake,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "kebab-case" => Self::Kebab,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebab,
            _ => return None,
        })
    }

    /// The serialized name of a (snake_case) struct field under this rule.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Pascal => {
                let mut pascal = String::with_capacity(field.len());
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            Self::Camel => {
                let pascal = Self::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    #[test]
    fn every_rule_matches_serde() {
        let cases = [
            ("lowercase", "outcome_value", "outcome_value"),
            ("UPPERCASE", "outcome_value", "OUTCOME_VALUE"),
            ("PascalCase", "outcome_value", "OutcomeValue"),
            ("camelCase", "outcome_value", "outcomeValue"),
            ("snake_case", "outcome_value", "outcome_value"),
            ("SCREAMING_SNAKE_CASE", "outcome_value", "OUTCOME_VALUE"),
            ("kebab-case", "outcome_value", "outcome-value"),
            ("SCREAMING-KEBAB-CASE", "outcome_value", "OUTCOME-VALUE"),
        ];
        for (name, field, expected) in cases {
            let rule = RenameRule::parse(name);
            assert_eq!(
                rule.map(|rule| rule.apply_to_field(field)).as_deref(),
                Some(expected),
                "{name}"
            );
        }
    }

    #[test]
    fn single_words_and_edge_cases() {
        assert_eq!(RenameRule::Camel.apply_to_field("count"), "count");
        assert_eq!(RenameRule::Pascal.apply_to_field("count"), "Count");
        assert_eq!(RenameRule::Camel.apply_to_field("_private_x"), "privateX");
        assert_eq!(RenameRule::Camel.apply_to_field(""), "");
        assert_eq!(RenameRule::Kebab.apply_to_field("a_b_c"), "a-b-c");
    }

    #[test]
    fn unknown_rules_are_rejected() {
        assert_eq!(RenameRule::parse("Camel"), None);
        assert_eq!(RenameRule::parse(""), None);
    }
}
