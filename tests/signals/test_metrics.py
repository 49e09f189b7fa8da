"""Metrics checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from poise.signals.metrics import binary_report, macro_f1, roc_auc


def test_auc_counts_pairs_and_half_counts_ties() -> None:
    # positives 0.9, 0.5; negatives 0.5, 0.1; of the 4 pairs, 3 are ordered right and 1 tied:
    # (0.9>0.5) (0.9>0.1) (0.5=0.5 counts 1/2) (0.5>0.1)
    assert roc_auc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(3.5 / 4)


def test_auc_is_nan_with_one_class() -> None:
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_binary_report_at_threshold() -> None:
    # predicted positive: rows 0, 2 (>= 0.5); truly positive: rows 0, 1 -> tp 1, p 1/2, r 1/2
    report = binary_report([1, 1, 0, 0], [0.8, 0.2, 0.6, 0.1], threshold=0.5)
    assert report["precision"] == pytest.approx(0.5)
    assert report["recall"] == pytest.approx(0.5)
    assert report["f1"] == pytest.approx(0.5)
    assert report["auc"] == pytest.approx(0.75)


def test_macro_f1_averages_classes() -> None:
    # class 0: tp 1, support 2, guessed 1 -> 2/3 ; class 1: tp 1, support 1, guessed 2 -> 2/3
    assert macro_f1([0, 0, 1], [0, 1, 1], classes=3) == pytest.approx(2 / 3)
