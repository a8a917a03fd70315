//! `Telemetry`: a `binary_delta` component, and `TelemetryJson`, the same state sent as JSON
//! deltas only, to compare what a client ends up with; `SharedTelemetry`, a `binary_delta`
//! singleton.

use live::prelude::*;
use serde::{Deserialize, Serialize};

/// A nested value: always sent as JSON.
#[live::data]
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Horizontal.
    pub x: f64,
    /// Vertical.
    pub y: f64,
}

/// Declares a telemetry component: the same fields and the same `step` action, with or
/// without `binary_delta`.
macro_rules! telemetry {
    ($name:ident, $wire:literal $(, $flag:ident)*) => {
        /// A player's telemetry; `step(seed)` changes a seed-chosen subset of the fields.
        #[live_component(name = $wire $(, $flag)*)]
        #[derive(Debug, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// uint8.
            pub health: u8,
            /// uint16.
            pub ammo: u16,
            /// uint32.
            pub score: u32,
            /// int8.
            pub tilt: i8,
            /// int16.
            pub depth: i16,
            /// int32.
            pub balance: i32,
            /// float32.
            pub speed: f32,
            /// float64.
            pub heading: f64,
            /// boolean.
            pub alive: bool,
            /// string.
            pub player_name: String,
            /// A 64-bit integer: float64 on the wire within ±2^53.
            pub ticks: u64,
            /// Renamed: the wire name is what counts.
            #[serde(rename = "hp")]
            pub hit_points: i64,
            /// Not carried by the codec: JSON.
            pub tags: Vec<String>,
            /// Not carried by the codec: JSON.
            pub position: Position,
            /// Never sent.
            #[serde(skip)]
            pub steps: u32,
        }

        #[live_component]
        impl $name {
            /// Changes the fields `seed` picks, to values derived from it.
            #[action]
            fn step(&mut self, seed: u64) {
                self.steps += 1;
                let bit = |n: u32| seed >> n & 1 == 1;
                let low = seed as u32;
                if bit(0) { self.health = self.health.wrapping_add(low as u8 | 1); }
                if bit(1) { self.ammo = self.ammo.wrapping_add(low as u16 | 1); }
                if bit(2) { self.score = self.score.wrapping_add(low | 1); }
                if bit(3) { self.tilt = self.tilt.wrapping_sub(low as i8 | 1); }
                if bit(4) { self.depth = self.depth.wrapping_sub(low as i16 | 1); }
                if bit(5) { self.balance = self.balance.wrapping_sub(low as i32 | 1); }
                if bit(6) { self.speed = (low % 1000) as f32 / 8.0 + 0.1; }
                if bit(7) { self.heading = f64::from(low) / 7.0; }
                if bit(8) { self.alive = !self.alive; }
                if bit(9) { self.player_name = format!("p{}", "é".repeat((low % 5) as usize)); }
                if bit(10) {
                    // Past 2^53 now and then: that value must go as JSON.
                    self.ticks = if bit(20) { u64::MAX - seed } else { seed >> 11 };
                }
                if bit(11) { self.hit_points = -(seed as i64 >> 12); }
                if bit(12) { self.tags.push(format!("t{}", self.steps)); }
                if bit(13) { self.position.x += 1.5; }
                if bit(14) { self.player_name = "x".repeat(70_000); }
            }
        }
    };
}

telemetry!(Telemetry, "Telemetry", binary_delta);
telemetry!(TelemetryJson, "TelemetryJson");
telemetry!(SharedTelemetry, "SharedTelemetry", binary_delta, singleton);
