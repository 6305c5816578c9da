"""Every write of the signatures app: atomic, checked, recorded in the audit log.

By concern: ``credentials``, ``documents``, ``signing_requests`` (asking for a signature),
``signing`` (carrying it out), ``external`` (two-step signing), ``uploads`` (checking an
uploaded PDF).
"""
