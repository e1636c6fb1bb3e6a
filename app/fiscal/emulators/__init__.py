"""Register emulators speaking the vendors' documented protocols, for tests, benchmarks and a demo store."""
