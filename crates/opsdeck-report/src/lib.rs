//! opsdeck-report: report building blocks shared by the web dashboard and the PDF/HTML review
//! packs. Std only; no IO. [`chart`] renders charts as inline, accessible SVG strings.

pub mod chart;
