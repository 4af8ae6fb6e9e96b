"""A HOWTO's proof status in one line, summed up from the per-hunk proofs `howtoctl render` shows.

`collect.hunk_proofs` owns the reading of the record `prove --record`
commits and of the manifest's exemptions; this only counts its verdicts, so the directive and
the site never disagree (pure).
"""

from __future__ import annotations

from collections.abc import Sequence

from howtoctl.statuses import Hunk


def _n(count: int, what: str) -> str:
    return f"{count} {what}" if count == 1 else f"{count} {what}s"


def status(proofs: Sequence[tuple[Hunk, str]], proved_on: str = "") -> tuple[bool, str]:
    """(proved, text to show) from each hunk's (status, text) as render shows it."""
    counted = [s for s, _ in proofs if s != Hunk.NOT_COUNTED]  # no code to prove
    if not counted:
        return True, "nothing to prove: none of its hunks changes code"
    survived, weak = counted.count(Hunk.SURVIVED), counted.count(Hunk.WEAK)
    of = f"of {_n(len(counted), 'code hunk')}"
    if survived:
        return False, f"not proved ({survived} {of} survived" + (f", {weak} weak)" if weak else ")")
    if weak:
        # Their mutants failed, but no test of the HOWTO's own did (see proof.verdict).
        return False, f"not proved ({weak} {of} weak: no test of its own fails without them)"
    if Hunk.NOT_RUN in counted:
        return False, "not proved (its own smoke test failed when it was last proved)"
    if Hunk.UNPROVED in counted or any(
        s not in (Hunk.PROVED, Hunk.EXEMPT, Hunk.NOT_APPLICABLE) for s in counted
    ):
        return False, "not proved yet (no recorded proof of this version of its diff)"
    tested = counted.count(Hunk.PROVED)
    if not tested:
        return True, (
            f"nothing for its tests to prove: its {_n(len(counted), 'code hunk')} "
            f"{'is' if len(counted) == 1 else 'are'} exempt or cannot be taken out alone"
        )
    on = f" on {proved_on}" if proved_on else ""
    rest = len(counted) - tested
    return True, (
        f"proved{on}: taking out any of its {_n(tested, 'tested code hunk')} fails its tests"
        + (f" ({rest} more exempt or not applicable)" if rest else "")
    )
