"""Client health: weighted metrics, cut scores, per-client scores, snapshots and their edits.

Definitions: metrics reference section 7.2 and the "Client health" section of docs/metrics.md.
"""
