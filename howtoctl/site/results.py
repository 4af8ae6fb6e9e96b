"""A HOWTO's real-data results (howtos/results/NAME.json and .svg) as HTML: plot and table (pure).

The JSON is written by howtos/results/generate.py. Format 2: each reported figure's mean and
spread over the seeds, the training times with the machine's load, the command; a file without
`format` holds one run per arm (base and variant) and is shown as such. The plot is embedded as a
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


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plot_img(plot: bytes | None, alt: str) -> str:
    uri = "data:image/svg+xml;base64," + base64.b64encode(plot or b"").decode("ascii")
    return f'<img class="results-plot" src="{uri}" alt="{_esc(alt)}">' if plot else ""


def _check_seeded(res: dict) -> None:
    """Refuse format 2 results whose figures or timings lack their mean and spread."""
    figures, times = res.get("figures"), res.get("timings") or []
    if not isinstance(figures, list) or not isinstance(times, list):
        raise TypeError("not the shape generate.py writes")
    for f in [*figures, *times]:
        if not isinstance(f, dict) or not all(
            _number(f.get(k)) for k in ("mean", "min", "max", "std")
        ):
            raise TypeError("a figure without its mean and spread")


def _figures_table(figures: list[dict], data: object, seed_text: str) -> str:
    rows = [
        f"<tr><th scope=row>{_esc(f.get('label', ''))}</th><td><code>{_esc(f.get('key', ''))}"
        f"</code></td><td>{_value(f.get('key', ''), f['mean'])}</td>"
        f"<td>{_value(f.get('key', ''), f['min'])} &ndash; {_value(f.get('key', ''), f['max'])}"
        f"</td><td>{_value(f.get('key', ''), f['std'])}</td></tr>"
        for f in figures
    ]
    return (
        '<table class="results-table"><thead><tr><th scope=col>figure</th>'
        "<th scope=col>metric</th><th scope=col>mean</th><th scope=col>min &ndash; max</th>"
        f"<th scope=col>std</th></tr></thead><tbody>{''.join(rows)}</tbody><caption>Final "
        f"values over {seed_text}, on {_esc(data)}.</caption></table>"
    )


def _timings_table(res: dict, times: list[dict], seed_text: str) -> str:
    machine = res.get("machine") if isinstance(res.get("machine"), dict) else {}
    load = [t["load_1min"] for t in times if isinstance(t.get("load_1min"), dict)]
    lows = [v.get("min") for v in load if _number(v.get("min"))]
    highs = [v.get("max") for v in load if _number(v.get("max"))]
    load_text = f"load average {min(lows):.1f}&ndash;{max(highs):.1f}" if lows and highs else ""
    trows = [
        f"<tr><th scope=row>{_esc(t.get('arm', ''))}</th><td>{_esc(t.get('devices', '?'))}</td>"
        f"<td>{t['mean']:.1f} s</td><td>{t['min']:.1f} &ndash; {t['max']:.1f} s</td>"
        f"<td>{t['std']:.1f} s</td></tr>"
        for t in times
    ]
    return (
        '<table class="results-table"><thead><tr><th scope=col>training time</th>'
        "<th scope=col>devices</th><th scope=col>mean</th><th scope=col>min &ndash; max</th>"
        f"<th scope=col>std</th></tr></thead><tbody>{''.join(trows)}</tbody><caption>"
        f"Wall-clock over {seed_text} on {_esc(machine.get('cpus', '?'))} CPUs "
        f"(jax {_esc(machine.get('jax', '?'))}), {load_text} while they ran, "
        f"{_esc(res.get('generated', ''))}.</caption></table>"
    )


def _seeded_html(res: dict, plot: bytes | None) -> str:
    """Format 2: every figure as mean and min-max over the seeds; times with the load."""
    _check_seeded(res)
    times = res.get("timings") or []
    seeds = res.get("seeds") if isinstance(res.get("seeds"), list) else []
    seed_text = f"{len(seeds)} seeds ({', '.join(_esc(s) for s in seeds)})"
    parts = ['<section class="results"><h2>Results on real data</h2>']
    parts.append(_plot_img(plot, f"{res.get('name', '')}: mean and min-max over {seed_text}"))
    parts.append(_figures_table(res["figures"], res.get("data", "?"), seed_text))
    if res.get("not_logged"):
        missing = "; ".join(_esc(m) for m in res["not_logged"] if isinstance(m, str))
        parts.append(f'<p class="results-how">Not reported: {missing}.</p>')
    if times:
        parts.append(_timings_table(res, times, seed_text))
    command = str(res.get("command", ""))
    parts.append(
        f'<p class="results-how">Made with <code>{_esc(command)}</code>; '
        f"<code>{_esc(command)} --check</code> reruns it and fails if a mean leaves the "
        "committed range.</p>"
    )
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def results_html(data: bytes | None, plot: bytes | None) -> str:
    """The results section, or "" when there are none or they can't be read."""
    if data is None:
        return ""
    try:
        res = json.loads(data)
        if isinstance(res, dict) and res.get("format") == 2:
            return _seeded_html(res, plot)
        base, variant = res["base"], res["variant"]
        base_final, variant_final = _final(base), _final(variant)
        machine = res.get("machine") or {}
        if not all(isinstance(d, dict) for d in (base, variant, machine)):
            raise TypeError("not the shape generate.py writes")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError):
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
        "One run per arm, so a difference may be noise. "
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


def measured_text(data: bytes | None) -> str:
    """One line of a result's figures, each "label mean (min-max)", and its seeds; "" when
    there is no result over seeds to quote (none, unreadable, or one run per arm)."""
    try:
        res = json.loads(data) if data is not None else None
        if not isinstance(res, dict) or res.get("format") != 2:
            return ""
        seeds = res["seeds"]
        parts = [
            f"{f['label']} {_plain(f['key'], f['mean'])} "
            f"({_plain(f['key'], f['min'])}-{_plain(f['key'], f['max'])})"
            for f in res["figures"]
        ]
        return f"{'; '.join(parts)}; {len(seeds)} seeds" if parts and seeds else ""
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return ""


def _plain(key: str, value: object) -> str:
    if not _number(value):
        raise TypeError("not a number")
    return f"{100 * value:.1f}%" if key.endswith("accuracy") else f"{value:.4g}"
