"""Outbound transports (SMS, email, routing API, outbox) behind one interface."""
