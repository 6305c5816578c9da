"""Benchmarks of PAdES signing (``make bench``): standalone scripts, not collected by pytest."""
