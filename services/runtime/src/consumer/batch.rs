//! Batches for the consumer loop: what is taken together, and which deliveries must stay in
//! order (one lane per key). What a commit covers is in `offsets`.

use std::collections::BTreeMap;

use saga_core::Topic;
use saga_core::ports::{Consumer, Delivery, PortError};

/// Most deliveries handled before one commit: bounds the work redone after a crash.
pub(super) const MAX_BATCH: usize = 64;

/// Most lanes (keys) handled at once within a batch.
pub(super) const MAX_PARALLEL: usize = 16;

/// `first` and whatever else the consumer has ready, up to [`MAX_BATCH`]; plus the error
/// that ended the batch early, if one did (the batch is still handled and committed).
pub(super) fn take(
    first: Delivery,
    consumer: &mut dyn Consumer,
) -> (Vec<Delivery>, Option<PortError>) {
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match consumer.try_next() {
            Some(Ok(delivery)) => batch.push(delivery),
            Some(Err(error)) => return (batch, Some(error)),
            None => break,
        }
    }
    (batch, None)
}

/// The batch split into lanes by (topic, partition, key), each in offset order, lanes in the
/// order their first delivery arrived. Records without a key share their partition's lane.
pub(super) fn lanes(batch: &[Delivery]) -> Vec<Vec<&Delivery>> {
    let mut index: BTreeMap<(Topic, u32, Option<&str>), usize> = BTreeMap::new();
    let mut lanes: Vec<Vec<&Delivery>> = Vec::new();
    for delivery in batch {
        let key = (delivery.topic, delivery.partition, delivery.key.as_deref());
        let lane = *index.entry(key).or_insert_with(|| {
            lanes.push(Vec::new());
            lanes.len() - 1
        });
        lanes[lane].push(delivery);
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(partition: u32, offset: u64, key: Option<&str>) -> Delivery {
        Delivery {
            topic: Topic::Orders,
            partition,
            offset,
            key: key.map(str::to_owned),
            payload: Vec::new(),
            correlation_id: None,
            replay: None,
            trace: None,
        }
    }

    #[test]
    fn one_lane_per_key_in_offset_order() {
        let batch = [
            delivery(0, 1, Some("a")),
            delivery(1, 7, Some("b")),
            delivery(0, 2, Some("a")),
            delivery(0, 3, None),
            delivery(0, 4, None),
        ];
        let offsets: Vec<Vec<u64>> = lanes(&batch)
            .iter()
            .map(|lane| lane.iter().map(|d| d.offset).collect())
            .collect();
        assert_eq!(offsets, vec![vec![1, 2], vec![7], vec![3, 4]]);
    }
}
