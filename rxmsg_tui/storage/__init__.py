"""Tables, the engine factory, query functions and migrations."""
