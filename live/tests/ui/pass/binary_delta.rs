use live::LiveComponent;
use live::component::{BinaryField, WireType};
use live::prelude::*;
use serde::{Deserialize, Serialize};

#[live_component(binary_delta, singleton)]
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Player {
    pub pos_x: f32,
    pub pos_y: f64,
    pub health: u8,
    pub level: ::std::primitive::u16,
    pub gold: i64,
    pub alive: bool,
    #[serde(rename = "n")]
    pub name: std::string::String,
    pub inventory: Vec<String>,
    #[serde(skip)]
    pub secret: u32,
}

#[live_component]
impl Player {
    #[action]
    fn hit(&mut self) {
        self.health = self.health.saturating_sub(1);
    }
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Plain {
    pub count: u32,
}

#[live_component]
impl Plain {}

fn main() {
    assert_eq!(
        Player::BINARY_FIELDS,
        [
            BinaryField::new("posX", WireType::Float32),
            BinaryField::new("posY", WireType::Float64),
            BinaryField::new("health", WireType::Uint8),
            BinaryField::new("level", WireType::Uint16),
            BinaryField::integer("gold"),
            BinaryField::new("alive", WireType::Boolean),
            BinaryField::new("n", WireType::String),
        ]
    );
    assert!(Plain::BINARY_FIELDS.is_empty());
    let descriptor = live::component::ComponentDescriptor::of::<Player>();
    assert_eq!(descriptor.binary_fields().len(), 7);
}
