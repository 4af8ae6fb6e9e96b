"""A fixture repository for `howtoctl render`: a small flax-like example and realistic HOWTOs.

Used by the render tests and by bench/screenshots.py and bench/render_speed.py. The example is
never run; it only needs to look like the real thing so that highlighting, hunks and the
side-by-side pairing meet realistic diffs (multi-line docstrings, several hunks, a new file).
"""

from __future__ import annotations

import pathlib

from tests.gitrepo import GitRepo

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDE = ROOT / "howtos" / "MAINTAINING.md"

TRAIN_PY = '''\
"""MNIST example.

Library file which executes the training and evaluation loop for MNIST.
The data is loaded using tensorflow_datasets.
"""

import functools

from absl import logging
from flax import linen as nn
from flax.training import train_state
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import tensorflow_datasets as tfds


class CNN(nn.Module):
  """A simple CNN model."""

  @nn.compact
  def __call__(self, x):
    x = nn.Conv(features=32, kernel_size=(3, 3))(x)
    x = nn.relu(x)
    x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
    x = nn.Conv(features=64, kernel_size=(3, 3))(x)
    x = nn.relu(x)
    x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
    x = x.reshape((x.shape[0], -1))  # flatten
    x = nn.Dense(features=256)(x)
    x = nn.relu(x)
    x = nn.Dense(features=10)(x)
    return x


@jax.jit
def apply_model(state, images, labels):
  """Computes gradients, loss and accuracy for a single batch."""

  def loss_fn(params):
    logits = state.apply_fn({'params': params}, images)
    one_hot = jax.nn.one_hot(labels, 10)
    loss = jnp.mean(optax.softmax_cross_entropy(logits=logits, labels=one_hot))
    return loss, logits

  grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
  (loss, logits), grads = grad_fn(state.params)
  accuracy = jnp.mean(jnp.argmax(logits, -1) == labels)
  return grads, loss, accuracy


@jax.jit
def update_model(state, grads):
  return state.apply_gradients(grads=grads)


def train_epoch(state, train_ds, batch_size, rng):
  """Train for a single epoch."""
  train_ds_size = len(train_ds['image'])
  steps_per_epoch = train_ds_size // batch_size

  perms = jax.random.permutation(rng, len(train_ds['image']))
  perms = perms[: steps_per_epoch * batch_size]  # skip incomplete batch
  perms = perms.reshape((steps_per_epoch, batch_size))

  epoch_loss = []
  epoch_accuracy = []

  for perm in perms:
    batch_images = train_ds['image'][perm, ...]
    batch_labels = train_ds['label'][perm, ...]
    grads, loss, accuracy = apply_model(state, batch_images, batch_labels)
    state = update_model(state, grads)
    epoch_loss.append(loss)
    epoch_accuracy.append(accuracy)
  train_loss = np.mean(epoch_loss)
  train_accuracy = np.mean(epoch_accuracy)
  return state, train_loss, train_accuracy


def create_train_state(rng, config):
  """Creates initial `TrainState`."""
  cnn = CNN()
  params = cnn.init(rng, jnp.ones([1, 28, 28, 1]))['params']
  tx = optax.sgd(config.learning_rate, config.momentum)
  return train_state.TrainState.create(apply_fn=cnn.apply, params=params, tx=tx)


def train_and_evaluate(
    config: ml_collections.ConfigDict, workdir: str
) -> train_state.TrainState:
  """Execute model training and evaluation loop.

  Args:
    config: Hyperparameter configuration for training and evaluation.
    workdir: Directory where the tensorboard summaries are written to.

  Returns:
    The train state (which includes the `.params`).
  """
  train_ds, test_ds = get_datasets()
  rng = jax.random.key(0)

  rng, init_rng = jax.random.split(rng)
  state = create_train_state(init_rng, config)

  for epoch in range(1, config.num_epochs + 1):
    rng, input_rng = jax.random.split(rng)
    state, train_loss, train_accuracy = train_epoch(
        state, train_ds, config.batch_size, input_rng
    )
    _, test_loss, test_accuracy = apply_model(
        state, test_ds['image'], test_ds['label']
    )

    logging.info(
        'epoch:% 3d, train_loss: %.4f, train_accuracy: %.2f, test_loss: %.4f,'
        ' test_accuracy: %.2f',
        epoch,
        train_loss,
        train_accuracy * 100,
        test_loss,
        test_accuracy * 100,
    )

  return state
'''

CONFIG_PY = '''\
"""Default Hyperparameter configuration."""

import ml_collections


def get_config():
  """Get the default hyperparameter configuration."""
  config = ml_collections.ConfigDict()

  config.learning_rate = 0.1
  config.momentum = 0.9
  config.batch_size = 128
  config.num_epochs = 10
  return config
'''

README_MD = """# MNIST classification

Trains a simple convolutional network on the MNIST dataset.

    python main.py --workdir=/tmp/mnist --config=configs/default.py
"""

CHECKPOINT_PY = '''\
"""Saving and restoring the train state with Orbax."""

import orbax.checkpoint as ocp


def manager(workdir: str, max_to_keep: int = 3) -> ocp.CheckpointManager:
  """A checkpoint manager keeping the latest `max_to_keep` epochs under `workdir`."""
  options = ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
  return ocp.CheckpointManager(workdir, options=options)


def restore_or_keep(mngr: ocp.CheckpointManager, state):
  """The latest saved state, or `state` itself when nothing was saved yet."""
  step = mngr.latest_step()
  if step is None:
    return state, 0
  restored = mngr.restore(step, args=ocp.args.StandardRestore(state))
  return restored, step


def save(mngr: ocp.CheckpointManager, step: int, state) -> None:
  mngr.save(step, args=ocp.args.StandardSave(state))
'''

EX = "examples/mnist"

# (name, title, summary, [(path, old, new) or (path, None, whole new text)])
HOWTOS = [
    (
        "polyak-averaging",
        "Polyak averaging",
        "Keep an exponential moving average of the parameters and evaluate with it.",
        [
            (
                f"{EX}/train.py",
                "from flax.training import train_state\n",
                "from flax import struct\nfrom flax.training import train_state\n",
            ),
            (
                f"{EX}/train.py",
                "@jax.jit\ndef update_model(state, grads):\n  return state.apply_gradients(grads=grads)\n",
                "class TrainState(train_state.TrainState):\n"
                "  ema_params: dict = struct.field(pytree_node=True)\n"
                "  ema_decay: float = struct.field(pytree_node=False, default=0.999)\n\n\n"
                "@jax.jit\ndef update_model(state, grads):\n"
                "  state = state.apply_gradients(grads=grads)\n"
                "  ema = optax.incremental_update(state.params, state.ema_params, 1 - state.ema_decay)\n"
                "  return state.replace(ema_params=ema)\n",
            ),
            (
                f"{EX}/train.py",
                "  tx = optax.sgd(config.learning_rate, config.momentum)\n"
                "  return train_state.TrainState.create(apply_fn=cnn.apply, params=params, tx=tx)\n",
                "  tx = optax.sgd(config.learning_rate, config.momentum)\n"
                "  return TrainState.create(\n"
                "      apply_fn=cnn.apply, params=params, tx=tx, ema_params=params,\n"
                "      ema_decay=config.ema_decay,\n"
                "  )\n",
            ),
            (
                f"{EX}/train.py",
                "    _, test_loss, test_accuracy = apply_model(\n        state, test_ds['image'], test_ds['label']\n    )\n",
                "    eval_state = state.replace(params=state.ema_params)\n"
                "    _, test_loss, test_accuracy = apply_model(\n        eval_state, test_ds['image'], test_ds['label']\n    )\n",
            ),
            (
                f"{EX}/configs/default.py",
                "  config.num_epochs = 10\n",
                "  config.num_epochs = 10\n  # Decay of the parameters' moving average (Polyak averaging).\n  config.ema_decay = 0.999\n",
            ),
        ],
    ),
    (
        "warmup-cosine-schedule",
        "Learning-rate warmup and cosine decay",
        "Ramp the learning rate up linearly, then decay it along a cosine, with an optax schedule.",
        [
            (
                f"{EX}/train.py",
                "def create_train_state(rng, config):\n"
                '  """Creates initial `TrainState`."""\n'
                "  cnn = CNN()\n"
                "  params = cnn.init(rng, jnp.ones([1, 28, 28, 1]))['params']\n"
                "  tx = optax.sgd(config.learning_rate, config.momentum)\n",
                "def create_train_state(rng, config, steps_per_epoch):\n"
                '  """Creates initial `TrainState`.\n\n'
                "  The learning rate warms up linearly from 0 for `config.warmup_epochs`, then\n"
                "  follows a cosine decay to 0 by the end of training.\n"
                '  """\n'
                "  cnn = CNN()\n"
                "  params = cnn.init(rng, jnp.ones([1, 28, 28, 1]))['params']\n"
                "  schedule = optax.warmup_cosine_decay_schedule(\n"
                "      init_value=0.0,\n"
                "      peak_value=config.learning_rate,\n"
                "      warmup_steps=config.warmup_epochs * steps_per_epoch,\n"
                "      decay_steps=config.num_epochs * steps_per_epoch,\n"
                "  )\n"
                "  tx = optax.sgd(schedule, config.momentum)\n",
            ),
            (
                f"{EX}/train.py",
                "  state = create_train_state(init_rng, config)\n",
                "  steps_per_epoch = len(train_ds['image']) // config.batch_size\n"
                "  state = create_train_state(init_rng, config, steps_per_epoch)\n",
            ),
            (
                f"{EX}/configs/default.py",
                "  config.learning_rate = 0.1\n",
                "  config.learning_rate = 0.2  # the peak, reached after the warmup\n"
                "  config.warmup_epochs = 1\n",
            ),
        ],
    ),
    (
        "save-checkpoints",
        "Save and restore checkpoints",
        "Save the train state after every epoch with Orbax and resume from the latest one.",
        [
            (f"{EX}/checkpoint.py", None, CHECKPOINT_PY),
            (
                f"{EX}/train.py",
                "import tensorflow_datasets as tfds\n",
                "import tensorflow_datasets as tfds\n\nimport checkpoint\n",
            ),
            (
                f"{EX}/train.py",
                "  state = create_train_state(init_rng, config)\n\n"
                "  for epoch in range(1, config.num_epochs + 1):\n",
                "  state = create_train_state(init_rng, config)\n"
                "  mngr = checkpoint.manager(workdir)\n"
                "  state, first_epoch = checkpoint.restore_or_keep(mngr, state)\n\n"
                "  for epoch in range(first_epoch + 1, config.num_epochs + 1):\n",
            ),
            (
                f"{EX}/train.py",
                "        test_accuracy * 100,\n    )\n\n  return state\n",
                "        test_accuracy * 100,\n    )\n"
                "    checkpoint.save(mngr, epoch, state)\n\n"
                "  mngr.wait_until_finished()\n  return state\n",
            ),
        ],
    ),
]

MANIFEST_HEADER = "# HOWTO metadata for howtoctl: one [howtos.NAME] table per HOWTO.\n"


def _toml(value: str) -> str:
    import json

    return json.dumps(value)


def add_howto(
    repo: GitRepo, name: str, edits, title: str = "", summary: str = "", example: str = EX
) -> None:
    """Branch howto/NAME with `edits` ((path, old, new), or (path, None, text) for a new file),
    save its diff and its manifest entry on the base branch, and commit."""
    repo.git("switch", "-q", "-c", f"howto/{name}", repo.base)
    for path, old, new in edits:
        if old is None:
            repo.write(path, new)
        else:
            repo.replace(path, old, new)
    repo.commit(f"{name}: the change")
    repo.git("switch", "-q", repo.base)
    res = repo.cli("save", name)
    assert res.code == 0, res
    manifest = repo.path / "howtos" / "manifest.toml"
    text = manifest.read_text() if manifest.exists() else MANIFEST_HEADER
    text += f"\n[howtos.{name}]\ntitle = {_toml(title)}\nsummary = {_toml(summary)}\nexample = {_toml(example)}\n"
    repo.write("howtos/manifest.toml", text)
    repo.commit(f"save HOWTO {name}")


def build(
    path,
    *,
    extra: int = 0,
    guide: bool = True,
    remote: str | None = "git@github.com:example-org/examples.git",
) -> GitRepo:
    """The fixture repository at `path`: the example, the three HOWTOs, and `extra` more
    (variations of them, for timing), with the project's maintainer guide."""
    repo = GitRepo.create(path, base="main")
    repo.write(f"{EX}/train.py", TRAIN_PY)
    repo.write(f"{EX}/configs/default.py", CONFIG_PY)
    repo.write(f"{EX}/README.md", README_MD)
    if guide:
        repo.write("howtos/MAINTAINING.md", GUIDE.read_text())
    repo.commit("MNIST example")
    if remote:
        repo.git("remote", "add", "origin", remote)
    for name, title, summary, edits in HOWTOS:
        add_howto(repo, name, edits, title, summary)
    for i in range(extra):
        name, title, summary, edits = HOWTOS[i % len(HOWTOS)]
        edits = [(p, o, n if o is None else n.replace("config", f"config{i}")) for p, o, n in edits]
        edits = [(p if o is not None else p.replace(".py", f"_{i}.py"), o, n) for p, o, n in edits]
        add_howto(repo, f"{name}-{i}", edits, f"{title} (variant {i})", summary)
    return repo
