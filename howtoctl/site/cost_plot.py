"""A small plot of what the HOWTOs cost over time (matplotlib, as the results plots).

Each HOWTO's changed lines over time as a step line; a cross where a base move broke it, a
circle where it was fixed. Returns the SVG bytes, or None without matplotlib (it comes with
the `examples` extra): the maintenance page then shows the table alone.
"""

from __future__ import annotations

import datetime
import io


def plot(doc: dict) -> bytes | None:
    rows = [r for r in doc.get("howtos", []) if r.get("lines")]
    if not rows:
        return None
    try:
        import matplotlib
        from matplotlib.figure import (
            Figure,
        )  # not pyplot: its import costs seconds on a busy machine
    except ImportError:
        return None
    matplotlib.rcParams["svg.hashsalt"] = "howtoctl-cost"  # stable ids: same input, same bytes
    last = (doc.get("range") or {}).get("last", {}).get("time")

    def day(t: int) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(t, datetime.UTC)

    fig = Figure(figsize=(7.5, 3.0))
    ax = fig.add_subplot()
    for i, r in enumerate(rows):
        colour = f"C{i % 10}"
        xs = [day(p["time"]) for p in r["lines"]]
        ys = [p["added"] + p["removed"] for p in r["lines"]]
        end = (r.get("removed") or {}).get("time") or last
        if end:
            xs.append(day(end))
            ys.append(ys[-1])
        ax.step(xs, ys, where="post", color=colour, linewidth=1.5, label=r["name"])

        for s in r.get("stretches", []):
            t = s["broke_at"]["time"]
            ax.plot([day(t)], [_size_at(r, t)], marker="x", color=colour, markersize=7)
            if s.get("fixed_at") and s.get("fixed_by") in ("human", "auto-resolve", "base"):
                t = s["fixed_at"]["time"]
                ax.plot([day(t)], [_size_at(r, t)], marker="o", color=colour, fillstyle="none")
    ax.set_ylabel("changed lines")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _size_at(row: dict, t: int) -> int:
    """The diff's changed lines at time `t`."""
    before = [p for p in row["lines"] if p["time"] <= t]
    p = before[-1] if before else row["lines"][0]
    return p["added"] + p["removed"]
