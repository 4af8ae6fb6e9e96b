# CI fails on a skip that is not "needs a TPU" (HOWTOCTL_STRICT_SKIPS=1, set by .ci/run).
pytest_plugins = ["tests.strict_skips"]
