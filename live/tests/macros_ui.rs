//! Compile tests for `#[live_component]`, `#[live_room]` and `#[live::data]`: what must expand,
//! and the errors for what must not.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
