"""Worker processes on one host share its cores for encoding instead of each taking them all
(two encoders on every core of a 2-core machine only contend: 1.06x for a second worker)."""

from __future__ import annotations

import os

import pytest

from poise.cli.workers import share_the_cores
from poise.signals.encoder import THREADS_VARIABLE, OnnxEncoder, encoder_threads
from poise.signals.registry import ARTIFACTS, read_manifest


def test_the_encoder_uses_every_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert encoder_threads() == 8
    monkeypatch.setenv(THREADS_VARIABLE, "3")
    assert encoder_threads() == 3


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_a_wrong_thread_count_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(THREADS_VARIABLE, raw)
    with pytest.raises(ValueError, match=THREADS_VARIABLE):
        encoder_threads()


def test_the_shipped_encoder_runs_as_many_texts_at_once_as_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = read_manifest(ARTIFACTS)["encoder"]
    monkeypatch.setenv(THREADS_VARIABLE, "1")
    encoder = OnnxEncoder(
        ARTIFACTS / spec["model"], ARTIFACTS / spec["tokenizer"], shared=spec.get("shared")
    )
    assert encoder.workers == 1
    alone = encoder.encode(["still no refund after three weeks", "thanks, that fixed it"])
    assert alone.embedding.shape == (2, 384)


@pytest.mark.parametrize(
    ("processes", "cores", "each"), [(2, 2, "1"), (2, 16, "8"), (3, 2, "1"), (4, 16, "4")]
)
def test_worker_processes_split_the_cores(
    monkeypatch: pytest.MonkeyPatch, processes: int, cores: int, each: str
) -> None:
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    share_the_cores(processes, cores)
    assert os.environ[THREADS_VARIABLE] == each


def test_one_worker_process_or_an_operators_choice_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    share_the_cores(1, 8)
    assert THREADS_VARIABLE not in os.environ
    monkeypatch.setenv(THREADS_VARIABLE, "5")
    share_the_cores(4, 8)
    assert os.environ[THREADS_VARIABLE] == "5"
