use live::prelude::*;
use live::upload::UploadSpec;
use serde::{Deserialize, Serialize};

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Profile {
    pub avatar: Option<String>,
    pub docs: u32,
}

#[live_component]
impl Profile {
    #[upload(accept = ["image/png", "image/jpeg"], max_size = "5MiB")]
    async fn avatar(&mut self, file: UploadedFile, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let _ = ctx.component_id();
        self.avatar = file.url().map(str::to_owned);
        Ok(())
    }

    #[upload(name = "document", accept = ["application/*"], max_size = 1000)]
    fn doc(&mut self, _file: UploadedFile) {
        self.docs += 1;
    }

    #[upload]
    fn anything(&mut self, ctx: &mut Ctx<Self>, file: UploadedFile) -> Result<(), std::io::Error> {
        let _ = (ctx, file);
        Ok(())
    }
}

fn main() {
    assert_eq!(
        <Profile as LiveComponent>::UPLOADS,
        &[
            UploadSpec { name: "avatar", accept: &["image/png", "image/jpeg"], max_size: Some(5 * 1024 * 1024) },
            UploadSpec { name: "document", accept: &["application/*"], max_size: Some(1000) },
            UploadSpec { name: "anything", accept: &[], max_size: None },
        ]
    );
    assert!(<Profile as LiveComponent>::ACTIONS.is_empty());
}
