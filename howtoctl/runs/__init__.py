"""Running smoke tests: process.py starts programs (git aside), smoke.py runs a commit's smoke
test in a temporary work tree, options.py checks a run's options first, stale.py sweeps what
killed runs left, interrupts.py turns SIGTERM into Ctrl-C, variants.py says what a variant is
and how its test runs, mutants.py builds and judges a HOWTO's mutants, junit.py reads and
writes pytest's reports."""
