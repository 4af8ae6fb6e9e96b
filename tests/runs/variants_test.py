from howtoctl.model.manifest import Entry
from howtoctl.runs import variants


def test_smoke_command_defaults_to_pytest_on_the_example():
    assert variants.smoke_command(
        Entry("a"), ["examples/mnist/train.py", "examples/mnist/train_test.py"]
    ) == ["python", "-m", "pytest", "-q", "-x", "examples/mnist"]
    assert (
        variants.smoke_command(Entry("a", example="examples/seq2seq/"), ["x.py"])[-1]
        == "examples/seq2seq"
    )
    assert variants.smoke_command(Entry("a", test="make smoke ARGS='a b'"), []) == [
        "make",
        "smoke",
        "ARGS=a b",
    ]


def test_example_dirs_collapse_nested():
    assert variants.example_dirs(Entry("a"), ["ex/a.py", "ex/configs/b.py", "other/c.py"]) == (
        "ex",
        "other",
    )


def test_is_pytest():
    assert variants.is_pytest(["python", "-m", "pytest"])
    assert variants.is_pytest(["/usr/bin/pytest", "-q"])
    assert not variants.is_pytest(["make", "test"])


def test_device_env(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2 --other")
    env = variants.device_env(8, "cpu")
    assert env["XLA_FLAGS"] == "--other --xla_force_host_platform_device_count=8"
    assert env["JAX_PLATFORMS"] == "cpu"
    assert int(env["PJRT_NPROC"]) >= 4 * 8
    assert variants.device_env(8, "tpu") == {}


def test_device_env_keeps_the_users_thread_pool_size(monkeypatch):
    monkeypatch.setenv("PJRT_NPROC", "64")
    assert variants.device_env(8, "cpu")["PJRT_NPROC"] == "64"


def test_detect_platform(tmp_path):
    assert variants.detect_platform({}, str(tmp_path)) == "cpu"
    assert variants.detect_platform({"TPU_ACCELERATOR_TYPE": "v5e-8"}, str(tmp_path)) == "tpu"
    (tmp_path / "accel0").write_text("")
    assert variants.detect_platform({}, str(tmp_path)) == "tpu"
    assert variants.detect_platform({"HOWTOCTL_PLATFORM": "cpu"}, str(tmp_path)) == "cpu"


def test_affected_selection():
    names = ["a", "b"]
    diffs = {"a": "howtos/diffs/a.diff", "b": "howtos/diffs/b.diff"}
    examples = {"a": ("examples/mnist",), "b": ("examples/seq2seq",)}
    m = "howtos/manifest.toml"
    assert variants.affected(names, ["README.md"], diffs, examples, m) == []
    assert variants.affected(names, ["examples/README.md"], diffs, examples, m) == []
    assert variants.affected(names, ["examples/mnist/train.py"], diffs, examples, m) == ["a"]
    assert variants.affected(names, ["howtos/diffs/b.diff"], diffs, examples, m) == ["b"]
    assert variants.affected(names, ["howtoctl/git.py"], diffs, examples, m) == ["a", "b"]
    assert variants.affected(names, ["pyproject.toml"], diffs, examples, m) == ["a", "b"]
    assert variants.affected(names, [m], diffs, examples, m) == ["a", "b"]
    assert variants.affected(names, ["examples/mnistx/a.py"], diffs, examples, m) == []
