#[live::data(rename = "Message")]
#[derive(serde::Serialize)]
pub struct ChatMessage {
    pub text: String,
}

fn main() {}
