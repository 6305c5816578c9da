"""Channels routing and consumers, the event bus, in-app notifications, e-mail and reminders.
Filled in by the live-status issue."""
