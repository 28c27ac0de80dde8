//! `.env.example` documents every variable the SDK reads, each with a comment.

#[test]
fn env_example_documents_every_variable() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for var in sfrest::VARIABLES {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{var}=")))
            .unwrap_or_else(|| panic!("{var} is not in .env.example"));
        assert!(
            at > 0 && lines[at - 1].starts_with('#') || lines[at - 1].starts_with("SF_"),
            "{var} has no comment above it"
        );
    }
    // And nothing in it that the SDK does not read.
    for l in lines.iter().filter(|l| l.starts_with("SF_")) {
        let name = l.split('=').next().unwrap();
        assert!(
            sfrest::VARIABLES.contains(&name),
            "{name} is documented but never read"
        );
    }
}

/// The docs front page (src/lib.rs) has every variable in its table, and no other.
#[test]
fn the_front_page_table_has_every_variable() {
    let lib = include_str!("../src/lib.rs");
    let rows: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! | `SF_"))
        .map(|rest| rest.split('`').next().unwrap_or(""))
        .collect();
    for var in sfrest::VARIABLES {
        let name = var.trim_start_matches("SF_");
        assert!(
            rows.contains(&name),
            "{var} is not in the table of src/lib.rs"
        );
    }
    assert_eq!(rows.len(), sfrest::VARIABLES.len(), "{rows:?}");
}
