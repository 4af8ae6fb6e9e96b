"""A HOWTO's proof status, read from the record `howtoctl prove --record` commits.

Kept apart on purpose: `howtoctl prove` owns the record's format (howtos/proofs/NAME.json with
the sha256 of the diff it proved and one result per code hunk); this only reads enough of it to
say "proved" or "not proved".
"""

from __future__ import annotations

import hashlib
import json

# Hunk results that count as proved: taking the hunk out failed a test, or it needs no proof.
_GOOD = {"proved", "exempt", "not-applicable"}


def status(record: bytes | None, diff: bytes) -> tuple[bool, str]:
    """(proved, text to show) for a HOWTO's diff and its proof record, if any."""
    if record is None:
        return False, "not proved"
    try:
        body = json.loads(record)
        digest = body["diff_sha256"]
        hunks = [h["status"] for h in body["hunks"]]
    except (ValueError, KeyError, TypeError):
        return False, "not proved (its proof record is unreadable)"
    if digest != hashlib.sha256(diff).hexdigest():
        return False, "not proved (its proof record is for an older version of the diff)"
    bad = [s for s in hunks if s not in _GOOD]
    if bad or not hunks:
        return False, f"not proved ({len(bad)} of {len(hunks)} code hunks survived)"
    where = body.get("proved_on")
    on = f" on {where}" if isinstance(where, str) and where else ""
    plural = "hunk" if len(hunks) == 1 else "hunks"
    return True, f"proved{on}: taking out any of its {len(hunks)} code {plural} fails its tests"
