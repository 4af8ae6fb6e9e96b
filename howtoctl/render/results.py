"""A HOWTO's real-data results (howtos/results/NAME.json and .svg) as HTML: plot and table (pure).

The JSON is written by howtos/results/generate.py: the base example's and the variant's
per-evaluation metrics, their commands, the data and the machine. The plot is embedded as a
data: URI in an <img>, so the page stays one self-contained file and the SVG runs no script.
"""

from __future__ import annotations

import base64
import html
import json

HELD_OUT = ("test_", "eval_")


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


STEP_KEYS = ("epoch", "step")


def _rows(run: dict) -> list[dict]:
    return [r for r in run.get("metrics") or [] if isinstance(r, dict)]


def _final(run: dict) -> dict:
    """The last evaluation (a row with an epoch or step)."""
    evals = [r for r in _rows(run) if any(k in r for k in STEP_KEYS)]
    return evals[-1] if evals else {}


def _summary(run: dict) -> dict:
    """What a run logs once at the end, outside its evaluations (e.g. LoRA's shifted task)."""
    out: dict = {}
    for r in _rows(run):
        if not any(k in r for k in STEP_KEYS):
            out.update(r)
    return out


def _value(key: str, value: object) -> str:
    if not isinstance(value, int | float):
        return "&ndash;"
    try:
        if key.endswith(("accuracy", "accuracy_before", "accuracy_after", "share")):
            return f"{100 * value:.2f}%"
        return f"{value:.4f}"
    except OverflowError:  # an integer too big for a float: the file is not what generate.py writes
        return "&ndash;"


def results_html(data: bytes | None, plot: bytes | None) -> str:
    """The results section, or "" when there are none or they can't be read."""
    if data is None:
        return ""
    try:
        res = json.loads(data)
        base, variant = res["base"], res["variant"]
        base_final, variant_final = _final(base), _final(variant)
        machine = res.get("machine") or {}
        if not all(isinstance(d, dict) for d in (base, variant, machine)):
            raise TypeError("not the shape generate.py writes")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return '<p class="results-missing">The results file could not be read.</p>'
    keys = [k for k in base_final if k.startswith(HELD_OUT)]
    keys += [k for k in variant_final if k.startswith(HELD_OUT) and k not in keys]
    step = "epoch" if "epoch" in variant_final else "step"
    rows = [
        f"<tr><th scope=row><code>{_esc(k)}</code></th>"
        f"<td>{_value(k, base_final.get(k))}</td><td>{_value(k, variant_final.get(k))}</td></tr>"
        for k in keys
    ]
    summary = _summary(variant)
    rows += [
        f"<tr><th scope=row><code>{_esc(k)}</code></th><td>&ndash;</td><td>{_value(k, v)}</td></tr>"
        for k, v in summary.items()
    ]
    rows.append(
        "<tr><th scope=row>training time</th>"
        f"<td>{_esc(base.get('seconds', '?'))} s</td><td>{_esc(variant.get('seconds', '?'))} s</td></tr>"
    )
    caption = (
        f"After {_esc(step)} {_esc(variant_final.get(step, '?'))}, on {_esc(res.get('data', '?'))}; "
        f"{_esc(machine.get('devices', ''))}, {_esc(machine.get('cpus', '?'))} CPUs, "
        f"jax {_esc(machine.get('jax', '?'))}, {_esc(res.get('generated', ''))}."
    )
    parts = ['<section class="results"><h2>Results on real data</h2>']
    if plot:
        uri = "data:image/svg+xml;base64," + base64.b64encode(plot).decode("ascii")
        alt = f"Held-out metrics per {step}: the base example against {res.get('name', '')}"
        parts.append(f'<img class="results-plot" src="{uri}" alt="{_esc(alt)}">')
    parts.append(
        '<table class="results-table"><thead><tr><th scope=col>held-out metric</th>'
        f"<th scope=col>base</th><th scope=col>{_esc(res.get('name', 'variant'))}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody><caption>{caption}</caption></table>"
    )
    parts.append(
        '<p class="results-how">Made with <code>python howtos/results/generate.py</code>: '
        f"<code>{_esc(base.get('command', ''))}</code> on the base and on the variant.</p>"
    )
    parts.append("</section>")
    return "\n".join(parts)
