"""Weight averaging used when training the student: along its steps, and across a soup.

These need torch (the ``train`` extra); they skip where only serving is installed.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

from poise.signals.training.encoder import _add_to_average, average_students  # noqa: E402


def test_running_average_equals_the_mean_of_every_snapshot() -> None:
    average: list[Any] = []
    snapshots = [torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.0]), torch.tensor([8.0, 5.0])]
    for seen, weights in enumerate(snapshots):
        _add_to_average(average, [weights], seen)
    assert torch.allclose(average[0], torch.tensor([4.0, 1.0]))
    assert torch.equal(snapshots[0], torch.tensor([1.0, -2.0]))  # snapshots are not mutated


def test_soup_averages_only_the_trained_weights() -> None:
    class Tiny(torch.nn.Module):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.bert = torch.nn.Linear(2, 2)
            self.bert.bias.requires_grad_(False)  # frozen, like the word embeddings
            self.neg = torch.nn.Linear(2, 1)
            for param in self.parameters():
                param.data.fill_(value)

    soup = average_students([Tiny(1.0), Tiny(2.0), Tiny(6.0)])
    assert torch.allclose(soup.bert.weight, torch.full((2, 2), 3.0))
    assert torch.allclose(soup.neg.weight, torch.full((1, 2), 3.0))
    assert torch.allclose(soup.bert.bias, torch.ones(2))  # frozen: the first model's, untouched
