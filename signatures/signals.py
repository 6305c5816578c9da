"""Signals of the signatures app, for the flows that wait on a signature and the live pages.

``field_signed`` is sent inside the transaction that records the signature, so that a flow
advancing on it commits, or fails, together with the signature itself.
"""

from django.dispatch import Signal

#: kwargs: ``field`` (the SignatureField, now signed) and ``request`` (the SigningRequest).
field_signed = Signal()

#: kwargs: ``request``, a SigningRequest that moved on without a signature landing: it waits
#: for its outside signer, went back to pending, or failed. Sent inside its transaction, so
#: that the signer's page can show where it stands.
request_changed = Signal()

#: kwargs: ``credential``. Sent inside the transaction that registers a credential, ends its
#: check or withdraws it, so that the official's pages can show its new state.
credential_changed = Signal()
