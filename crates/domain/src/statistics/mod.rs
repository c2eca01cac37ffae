//! Statistics for knowledge-based management (681/2023 §§ on monitoring; issue 6): indicators per
//! municipality, wellbeing services county, regional state centre and the nation, with privacy
//! protection of every published count.
//!
//! The pieces: [`facts`] is what one customer contributes; [`aggregate`] counts every customer into
//! every area and period of the [`areas`] and [`periods`] trees; [`suppression`] hides small counts
//! and whatever would reveal them, across all of those figures at once.

pub mod aggregate;
pub mod areas;
pub mod facts;
pub mod indicators;
pub mod periods;
pub mod suppression;

pub use aggregate::{Aggregator, Figure, Figures, Options};
pub use areas::{Area, AreaLevel, AreaTree};
pub use facts::CustomerStatistics;
pub use indicators::{INDICATORS, IndicatorDefinition, IndicatorKind};
pub use periods::{PeriodLevel, Periods};
