"""Machinery every part of the model uses: compiled kernels and their cache, per-replica random
streams, misperception, casualty draws, the escalation ladder, parameter declarations."""
