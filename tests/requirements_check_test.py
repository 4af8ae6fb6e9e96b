from howtoctl import requirements_check as rc

# examples/mnist/requirements.txt of Flax's examples as it stood, lines in order.
FLAX_MNIST = """\
absl-py==1.0.0
clu==0.0.6
flax==0.4.1
jax==0.3.4
--find-links https://storage.googleapis.com/jax-releases/jax_releases.html
jaxlib==0.3.2+cuda11.cudnn82  # Make sure CUDA version matches the base image.
ml-collections==0.1.0
numpy==1.22.0
optax==0.1.0
tensorflow==2.11.1
tensorflow-datasets==4.4.0
"""


def _check(text, runner="pytest", files=None, path="ex/requirements.txt"):
    return rc.check(text, path, "3.11", runner, (files or {}).get)


def _problems(report):
    return {(f.where, f.requirement) for f in report.findings}


def test_flax_mnist_requirements_cannot_install_on_python_3_11():
    report = _check(FLAX_MNIST, path="examples/mnist/requirements.txt")
    assert _problems(report) == {
        ("examples/mnist/requirements.txt:6", "jaxlib==0.3.2+cuda11.cudnn82"),
        ("examples/mnist/requirements.txt:8", "numpy==1.22.0"),
        ("examples/mnist/requirements.txt:10", "tensorflow==2.11.1"),
        ("examples/mnist/requirements.txt", ""),  # no pytest for the smoke test
    }
    assert "jax" in report.requirements and not report.ok


def test_current_pins_and_pytest_pass():
    report = _check("jax==0.7.0\nnumpy>=2\ntensorflow~=2.16.1\npytest\n")
    assert report.ok, report.findings
    assert report.requirements == ("jax", "numpy", "tensorflow", "pytest")


def test_upper_bounds_count_as_pins():
    report = _check("numpy<1.23\ntensorflow<=2.11.1\njaxlib==0.2.*\npytest\n")
    assert [f.requirement for f in report.findings] == [
        "numpy<1.23",
        "tensorflow<=2.11.1",
        "jaxlib==0.2.*",
    ]
    # A lower bound only, or an upper bound above the first release with wheels, is fine.
    assert _check("numpy>=1.20\nnumpy<1.24\npytest\n").ok
    assert _check("numpy!=1.22.0\njaxlib==0.3.*\npytest\n").ok  # 0.3.24 matches


def test_old_jax_without_jaxlib_is_found():
    (finding,) = _check("jax==0.4.1\npytest\n").findings
    assert finding.requirement == "jax==0.4.1" and "jaxlib" in finding.problem
    assert _check("jax==0.4.1\njaxlib==0.4.1\npytest\n").ok
    assert _check("jax[cpu]==0.4.1\npytest\n").ok
    assert _check("jax>=0.7\npytest\n").ok


def test_markers_are_evaluated_for_the_runner():
    text = 'numpy==1.21.0; python_version < "3.11"\nnumpy==2.0; python_version >= "3.11"\npytest\n'
    assert _check(text).ok
    report = _check('pytest; python_version < "3.10"\n')
    assert report.requirements == () and not report.ok  # no pytest for Python 3.11


def test_includes_hashes_and_continuations_are_read():
    files = {
        "ex/base.txt": "pytest==8.0 \\\n    --hash=sha256:00\n",
        "ex/more.txt": "-r base.txt\n",
    }
    report = _check("-r more.txt\nnumpy==2.0 --hash=sha256:11\n", files=files)
    assert report.ok and report.requirements == ("pytest", "numpy")


def test_what_cannot_be_read_is_said():
    report = _check("-r missing.txt\nnumpy==2.0\n")
    assert report.unchecked == ("ex/missing.txt",)
    assert report.ok  # whether pytest is in the missing file cannot be told
    (finding,) = _check("numpy=2.0\npytest\n").findings
    assert finding.where == "ex/requirements.txt:1" and "cannot read" in finding.problem


def test_no_test_runner_needed_for_another_smoke_test():
    assert _check("numpy==2.0\n", runner=None).ok


def test_runner_python_is_the_actions_default():
    import pathlib

    import yaml

    from howtoctl.model import init_templates

    action = yaml.safe_load((pathlib.Path(__file__).parents[1] / "action.yml").read_text())
    assert action["inputs"]["python-version"]["default"] == init_templates.RUNNER_PYTHON
    assert init_templates.RUNNER_PYTHON in rc.FIRST_WITH_WHEELS
