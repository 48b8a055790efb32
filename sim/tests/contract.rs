//! The port contract suite against the sim adapters: each clause runs as the client of a fresh
//! simulation whose PostgreSQL, Kafka and Redis hosts serve the memory models over turmoil TCP.

use sim::contract::{dead_letters, decision_store, delivery_store, event_bus, order_store, run};

saga_contract::order_store_contract!(order_store(), runner = run);
saga_contract::event_bus_contract!(event_bus(), runner = run);
saga_contract::decision_store_contract!(decision_store(), runner = run);
saga_contract::delivery_store_contract!(delivery_store(), runner = run);
saga_contract::dead_letter_store_contract!(dead_letters(), runner = run);
