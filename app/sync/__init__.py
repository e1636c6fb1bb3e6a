"""Terminal side of the chain: the outbox pushed to the server, the replica pulled from it."""
