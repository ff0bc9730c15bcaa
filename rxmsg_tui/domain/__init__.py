"""Pure rules of patient messaging: no I/O, nothing of the project above it."""
