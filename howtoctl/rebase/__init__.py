"""Rebasing many HOWTO branches in memory: `plan.py` decides what moves where (pure),
`replay.py` merges and builds the new commits, `chain.py` is the one replay rule (shared with
the automatic resolutions), and `upstream.py` skips commits the base already has under another
id, as `git rebase` does."""
