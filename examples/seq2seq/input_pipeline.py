"""Addition problems as fixed-shape integer arrays: "123+45" -> "168".

Every sequence is padded to a fixed length so that one compiled train step
serves every batch:

  inputs   "123+45$______"   max_input_len  = 2 * max_digits + 2  (two operands, "+", EOS)
  targets  "168$_"           max_output_len = max_digits + 2      (sum may carry, EOS)

"$" is the end-of-sequence token and "_" padding. The decoder starts from the
GO token "=", so the problem reads like "123+45=168".
"""

from __future__ import annotations

import numpy as np

PAD_ID = 0
EOS_ID = 1
GO_ID = 2
_SPECIAL = "_$="  # printable stand-ins for PAD, EOS and GO, in id order
_CHARS = "0123456789+"


class CharacterTable:
    """Maps characters to token ids and back, and pads to fixed lengths."""

    def __init__(self, max_digits: int):
        self.max_digits = max_digits
        self.chars = _SPECIAL + _CHARS
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    @property
    def max_input_len(self) -> int:
        return 2 * self.max_digits + 2

    @property
    def max_output_len(self) -> int:
        return self.max_digits + 2

    def encode(self, text: str, length: int) -> np.ndarray:
        """`text` + EOS, padded with PAD to `length` ids."""
        ids = [self._ids[c] for c in text] + [EOS_ID]
        if len(ids) > length:
            raise ValueError(f"{text!r} does not fit in {length} tokens")
        return np.array(ids + [PAD_ID] * (length - len(ids)), dtype=np.int32)

    def decode(self, ids) -> str:
        """Characters up to (not including) the first EOS; PAD and GO are dropped."""
        out = []
        for i in np.asarray(ids).tolist():
            if i == EOS_ID:
                break
            if i > GO_ID:
                out.append(self.chars[i])
        return "".join(out)

    def encode_problems(self, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
        """Batch of `a[i] + b[i]` problems as {"inputs", "targets"} int32 arrays."""
        inputs = np.stack([self.encode(f"{x}+{y}", self.max_input_len) for x, y in zip(a, b)])
        targets = np.stack([self.encode(str(x + y), self.max_output_len) for x, y in zip(a, b)])
        return {"inputs": inputs, "targets": targets}


def random_operands(rng: np.random.Generator, max_digits: int, n: int) -> np.ndarray:
    """`n` non-negative integers whose number of digits is uniform in 1..max_digits."""
    num_digits = rng.integers(1, max_digits + 1, size=n)
    low = np.where(num_digits == 1, 0, 10 ** (num_digits - 1))
    return rng.integers(low, 10**num_digits)


class AdditionProblems:
    """Deterministic stream of training batches plus a disjoint held-out eval set.

    The eval problems are drawn first from their own seed; training batches are
    re-drawn wherever they would hit an eval problem, so eval accuracy measures
    generalisation to unseen problems, not memorisation.
    """

    def __init__(self, ctable: CharacterTable, seed: int, num_eval: int):
        self.ctable = ctable
        eval_rng, self._train_rng = np.random.default_rng(seed).spawn(2)
        self._eval_keys: set[int] = set()
        a, b = [], []
        while len(a) < num_eval:  # distinct eval problems, in a reproducible order
            x, y = (int(v) for v in random_operands(eval_rng, ctable.max_digits, 2))
            if self._key(x, y) not in self._eval_keys:
                self._eval_keys.add(self._key(x, y))
                a.append(x)
                b.append(y)
        self.eval_set = ctable.encode_problems(np.array(a), np.array(b))
        self.eval_set_size = num_eval

    def _key(self, a, b):
        return a * 10**self.ctable.max_digits + b

    def _is_eval(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        keys = self._key(a, b)
        return np.fromiter((int(k) in self._eval_keys for k in keys), bool, len(keys))

    def train_batch(self, batch_size: int) -> dict[str, np.ndarray]:
        d = self.ctable.max_digits
        a = random_operands(self._train_rng, d, batch_size)
        b = random_operands(self._train_rng, d, batch_size)
        while (clash := self._is_eval(a, b)).any():
            a[clash] = random_operands(self._train_rng, d, int(clash.sum()))
            b[clash] = random_operands(self._train_rng, d, int(clash.sum()))
        return self.ctable.encode_problems(a, b)
