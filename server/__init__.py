"""The central server of a chain: the ledger authority that terminals push to and pull from."""
