"""Signals of the blocs app, for the flows that depend on a term's composition."""

from django.dispatch import Signal

#: Sent inside the transaction of ``services.change_term``; kwargs: ``term``, ``by`` and
#: ``members_changed`` (the member units or the leader unit changed).
term_changed = Signal()
