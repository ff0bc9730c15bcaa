"""Use cases: each owns its transaction and combines domain rules with storage."""
