//! The timeline view's model, shared by the explorer's order page and the simulation's failing
//! seed page: steps in the order they happened, each on a lane (the component or host that took
//! it), and bands for what was going wrong meanwhile (faults). No I/O; `html::timeline` draws it.

use time::OffsetDateTime;

/// How a step reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    /// A step of the happy path that happened.
    Done,
    /// Extra information: a redelivery consumers absorb, a duplicate deduplicated.
    Note,
    /// Not happened yet, or happened late.
    Waiting,
    /// Something the saga promises against: the step a property names.
    Bad,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Note => "note",
            Self::Waiting => "waiting",
            Self::Bad => "bad",
        }
    }
}

/// One step of a journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The component or host that took the step.
    pub lane: String,
    /// When, if anything recorded it.
    pub at: Option<OffsetDateTime>,
    pub title: String,
    /// Facts about the step, one per line (ids, positions, outcomes).
    pub details: Vec<String>,
    pub tone: Tone,
    /// The order it belongs to, when the view shows several.
    pub order: Option<i64>,
}

impl Step {
    pub fn new(lane: &str, at: Option<OffsetDateTime>, title: impl Into<String>) -> Self {
        Self {
            lane: lane.to_owned(),
            at,
            title: title.into(),
            details: Vec::new(),
            tone: Tone::Done,
            order: None,
        }
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }

    pub fn order(mut self, order: i64) -> Self {
        self.order = Some(order);
        self
    }
}

/// Something that lasted on some lanes: a fault, an outage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub lanes: Vec<String>,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    /// Short, drawn on the band (`#3`).
    pub label: String,
    /// Long, shown on hover (`#3 crash payment-worker, restart after 1.5 s`).
    pub detail: String,
}

/// Lanes, bands and steps over one stretch of time: what the chart draws.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chart {
    pub lanes: Vec<String>,
    pub bands: Vec<Band>,
    /// Steps with a time; steps without one are not drawn on the chart.
    pub steps: Vec<Step>,
    /// Orders whose steps are drawn in the alarm colour.
    pub highlighted: Vec<i64>,
}

impl Chart {
    /// A chart of `steps` on `lanes`, in that lane order; steps on other lanes get lanes of
    /// their own after them.
    pub fn new(lanes: &[&str], steps: &[Step]) -> Self {
        let mut chart = Self {
            lanes: lanes.iter().map(|l| (*l).to_owned()).collect(),
            ..Self::default()
        };
        for step in steps.iter().filter(|s| s.at.is_some()) {
            chart.add_lane(&step.lane);
            chart.steps.push(step.clone());
        }
        chart
    }

    pub fn add_lane(&mut self, lane: &str) {
        if !self.lanes.iter().any(|l| l == lane) {
            self.lanes.push(lane.to_owned());
        }
    }

    pub fn add_band(&mut self, band: Band) {
        for lane in &band.lanes {
            self.add_lane(lane);
        }
        self.bands.push(band);
    }

    /// The stretch of time the chart covers: first to last step or band edge.
    pub fn span(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        let times = self
            .steps
            .iter()
            .filter_map(|s| s.at)
            .chain(self.bands.iter().flat_map(|b| [b.from, b.to]));
        times.fold(None, |span, t| match span {
            None => Some((t, t)),
            Some((from, to)) => Some((from.min(t), to.max(t))),
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn span_covers_steps_and_bands_and_lanes_follow_first_use() {
        let t0 = datetime!(2026-11-25 10:00:00 UTC);
        let steps = [
            Step::new("relay", Some(t0 + time::Duration::seconds(2)), "published"),
            Step::new("order-api", Some(t0), "committed"),
            Step::new("kafka", None, "not drawn"),
        ];
        let mut chart = Chart::new(&["order-api"], &steps);
        assert_eq!(chart.lanes, ["order-api", "relay"]);
        assert_eq!(chart.steps.len(), 2);
        chart.add_band(Band {
            lanes: vec!["postgres".into()],
            from: t0 + time::Duration::seconds(1),
            to: t0 + time::Duration::seconds(5),
            label: "crash".into(),
            detail: "crash postgres".into(),
        });
        assert_eq!(chart.lanes, ["order-api", "relay", "postgres"]);
        assert_eq!(chart.span(), Some((t0, t0 + time::Duration::seconds(5))));
    }
}
