"""LSTM encoder-decoder (seq2seq) for character sequences.

The encoder reads the whole input and hands its final LSTM state to the
decoder. The decoder then emits one token per step (an `nnx.scan` over time),
always fed the previous token. Which token that is lives in one place,
`next_input`, called inside the scanned step:

  * training (teacher forcing): the ground-truth token, `teacher_tokens[:, t]`;
  * inference: the model's own greedy prediction, `argmax(logits)`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from examples.seq2seq.input_pipeline import GO_ID, PAD_ID

LSTMCarry = tuple[jax.Array, jax.Array]  # (c, h), each [batch, hidden]


def next_input(logits: jax.Array, teacher_token: jax.Array | None) -> jax.Array:
    """The token fed to the decoder at the next step.

    Args:
      logits: [batch, vocab] this step's output.
      teacher_token: [batch] ground truth for this step, or None when decoding freely.
    """
    if teacher_token is not None:
        return teacher_token
    return jnp.argmax(logits, axis=-1)


class Encoder(nnx.Module):
    """Runs an LSTM over the embedded input; returns its state at each input's EOS."""

    def __init__(self, embed: nnx.Embed, hidden_size: int, *, rngs: nnx.Rngs):
        self.embed = embed
        self.hidden_size = hidden_size
        cell = nnx.OptimizedLSTMCell(embed.features, hidden_size, rngs=rngs)
        # No carry rngs: __call__ always passes a zero initial state.
        self.rnn = nnx.RNN(cell, return_carry=True, rngs=False)

    def __call__(self, inputs: jax.Array) -> LSTMCarry:
        """inputs: [batch, input_len] token ids, PAD after EOS."""
        batch = inputs.shape[0]
        zeros = jnp.zeros((batch, self.hidden_size))
        lengths = jnp.sum(inputs != PAD_ID, axis=-1)  # up to and including EOS
        carry, _ = self.rnn(self.embed(inputs), initial_carry=(zeros, zeros), seq_lengths=lengths)
        return carry


class Decoder(nnx.Module):
    """One LSTM step per output token: previous token -> next-token logits."""

    def __init__(self, embed: nnx.Embed, hidden_size: int, vocab_size: int, *, rngs: nnx.Rngs):
        self.embed = embed
        self.cell = nnx.OptimizedLSTMCell(embed.features, hidden_size, rngs=rngs)
        self.output = nnx.Linear(hidden_size, vocab_size, rngs=rngs)

    def step(self, carry: LSTMCarry, token: jax.Array) -> tuple[LSTMCarry, jax.Array]:
        """token: [batch] previous token -> (new carry, [batch, vocab] logits)."""
        carry, h = self.cell(carry, self.embed(token))
        return carry, self.output(h)

    def __call__(
        self, carry: LSTMCarry, num_steps: int, teacher_tokens: jax.Array | None = None
    ) -> jax.Array:
        """Decodes `num_steps` tokens starting from GO; returns [batch, num_steps, vocab] logits.

        With `teacher_tokens` ([batch, num_steps], the targets) the decoder is
        teacher-forced: after step t it is fed `teacher_tokens[:, t]`. Without,
        it decodes greedily from its own predictions.
        """
        batch = carry[0].shape[0]
        token = jnp.full((batch,), GO_ID, dtype=jnp.int32)

        # The decoder is broadcast (None), the LSTM state and the fed token are the loop
        # carry, and step t reads teacher_tokens[:, t] (axis 1; None when decoding freely)
        # and writes its logits at [:, t].
        @nnx.scan(in_axes=(None, nnx.Carry, 1), out_axes=(nnx.Carry, 1), length=num_steps)
        def decode_step(decoder, state, teacher_token):
            carry, token = state
            carry, logits = decoder.step(carry, token)
            token = next_input(logits, teacher_token)
            return (carry, token), logits

        _, all_logits = decode_step(self, (carry, token), teacher_tokens)
        return all_logits


class Seq2seq(nnx.Module):
    """Encoder-decoder sharing one character embedding."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, *, rngs: nnx.Rngs):
        embed = nnx.Embed(vocab_size, embed_size, rngs=rngs)
        self.encoder = Encoder(embed, hidden_size, rngs=rngs)
        self.decoder = Decoder(embed, hidden_size, vocab_size, rngs=rngs)

    def __call__(
        self, inputs: jax.Array, num_steps: int, teacher_tokens: jax.Array | None = None
    ) -> jax.Array:
        """[batch, input_len] ids -> [batch, num_steps, vocab] logits (see `Decoder`)."""
        return self.decoder(self.encoder(inputs), num_steps, teacher_tokens)

    def decode(self, inputs: jax.Array, num_steps: int) -> jax.Array:
        """Greedy free-running decoding: [batch, input_len] ids -> [batch, num_steps] ids."""
        return jnp.argmax(self(inputs, num_steps), axis=-1)
