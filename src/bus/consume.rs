//! (being written) Reading the published events back through a durable JetStream consumer.
