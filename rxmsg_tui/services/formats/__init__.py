"""Outbound Messaging Format, Review Sites, 2-way Message Templates and restricted words."""
