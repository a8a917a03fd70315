use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Profile {
    pub n: i64,
}

#[live_component]
impl Profile {
    #[upload]
    fn no_file(&mut self) {}

    #[upload]
    fn shared(&self, file: UploadedFile) { let _ = file; }

    #[upload]
    fn two(&mut self, file: UploadedFile, other: i64) { let _ = (file, other); }

    #[upload]
    fn returns(&mut self, file: UploadedFile) -> i64 {
        let _ = file;
        1
    }

    #[upload]
    #[action]
    fn both(&mut self, file: UploadedFile) { let _ = file; }

    #[upload]
    #[upload]
    fn twice(&mut self, file: UploadedFile) { let _ = file; }
}

fn main() {}
