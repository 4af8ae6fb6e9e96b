"""Rebasing many HOWTO branches in memory: `plan.py` decides what moves where (pure),
`replay.py` merges and builds the new commits (the one replay, shared with the automatic
resolutions)."""
