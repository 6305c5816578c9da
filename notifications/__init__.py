"""Channels routing and consumers, the event bus, in-app notifications and e-mail."""
