"""Putting messages in the Outbound Messaging Queue and reading it back."""
