"""The dispatcher: claims due messages, sends them, records every attempt."""
