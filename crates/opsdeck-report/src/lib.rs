//! opsdeck-report: what the dashboard and the review packs share — charts as inline,
//! accessible SVG ([`chart`], std only), the figures drawn from opsdeck's output tables
//! ([`figures`]), output tables as HTML ([`html`]), and the review packs ([`pack`]).

pub mod chart;
pub mod figures;
pub mod html;
pub mod pack;
pub mod pdf;
pub mod schedule;
