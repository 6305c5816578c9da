"""Signals of the engine, for the layers above it (live pages, notifications)."""

from django.dispatch import Signal

#: kwargs: ``process_id``; ``opened`` ({task id: owner id or None}) and ``closed`` ({task id:
#: (owner id or None, status)}), the human tasks a step of the process opened and closed. Sent
#: inside the step's transaction (``workflows.acting.tracking_tasks``).
tasks_changed = Signal()
