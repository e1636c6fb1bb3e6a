"""Receipt rendering and printer tests."""
