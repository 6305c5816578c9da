"""The emulation and commendation (thi đua – khen thưởng) domain: one Django app per area."""
