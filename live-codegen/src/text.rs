//! TypeScript text helpers: identifiers, aliases, literals, doc quoting and layout.

use std::fmt::Write as _;

/// `export type Name = Target;` with a doc comment, or nothing when the target already has
/// that name (a Rust state struct named like the alias).
pub(crate) fn alias(name: &str, target: &str, doc: &str) -> String {
    if name == target {
        return String::new();
    }
    format!("/** {doc} */\nexport type {name} = {target};\n")
}

/// `name` as a PascalCase TypeScript identifier: `live-chat` → `LiveChat`, `chat` → `Chat`.
pub(crate) fn pascal_identifier(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' || ch == '$' {
            if upper {
                out.push(ch.to_ascii_uppercase());
            } else {
                out.push(ch);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|first: char| first.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Lays out a ts-rs declaration for reading: ts-rs writes the members of a documented type
/// on unindented lines (`{ \n/**\n * doc\n */\nfield: T, };`); this indents every line after
/// the `export` line, trims trailing spaces and puts a closing `, };` member list end on its
/// own line. Only
/// whitespace outside string literals changes (ts-rs never breaks a line inside one).
pub(crate) fn tidy(code: &str) -> String {
    let lines: Vec<&str> = code.trim_end().lines().collect();
    let Some(start) = lines.iter().position(|line| line.starts_with("export ")) else {
        return format!("{}\n", code.trim_end());
    };
    let mut out = String::with_capacity(code.len() + 64);
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim_end();
        let last = index + 1 == lines.len();
        if index <= start {
            out.push_str(line);
        } else if let (true, Some(body)) = (last, line.strip_suffix(", };")) {
            let _ = write!(out, "  {body},\n}};");
        } else {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `text` as a double-quoted string literal.
pub(crate) fn string_literal(text: &str) -> String {
    live::typescript::string_literal(text)
}

/// `text` quoted for a doc comment (which must not contain `*/`).
pub(crate) fn quoted_doc(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace("*/", "* /"))
}

#[cfg(test)]
mod tests {
    use super::{alias, pascal_identifier};

    #[test]
    fn identifiers_from_names() {
        assert_eq!(pascal_identifier("Counter"), "Counter");
        assert_eq!(pascal_identifier("live-chat"), "LiveChat");
        assert_eq!(pascal_identifier("chat"), "Chat");
        assert_eq!(pascal_identifier("my.room_2"), "MyRoom_2");
        assert_eq!(pascal_identifier("2fa"), "_2fa");
        assert_eq!(pascal_identifier("::"), "_");
    }

    #[test]
    fn alias_skips_self_reference() {
        assert_eq!(alias("CounterState", "CounterState", "x"), "");
        assert_eq!(
            alias("CounterState", "Counter", "x"),
            "/** x */\nexport type CounterState = Counter;\n"
        );
    }
}
