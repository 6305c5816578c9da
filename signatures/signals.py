"""Signals of the signatures app, for the flows that wait on a signature.

``field_signed`` is sent inside the transaction that records the signature, so that a flow
advancing on it commits, or fails, together with the signature itself.
"""

from django.dispatch import Signal

#: kwargs: ``field`` (the SignatureField, now signed) and ``request`` (the SigningRequest).
field_signed = Signal()
