use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Profile {
    pub n: i64,
}

#[live_component]
impl Profile {
    #[upload(accept = "image/png", max_size = "5 parsecs", color = "red")]
    fn a(&mut self, file: UploadedFile) { let _ = file; }

    #[upload(accept = ["png", 3], max_size = 0)]
    fn b(&mut self, file: UploadedFile) { let _ = file; }

    #[upload(name = "a")]
    fn c(&mut self, file: UploadedFile) { let _ = file; }
}

fn main() {}
