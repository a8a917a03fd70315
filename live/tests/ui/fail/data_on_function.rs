#[live::data]
fn message() -> String {
    String::new()
}

fn main() {}
