"""The registry of scorers: a name maps to a loader; each artifact folder loads once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, overload

from poise.signals.drift import DriftScorer
from poise.signals.encoder import OnnxEncoder
from poise.signals.explanatory import ExplanatoryScorer
from poise.signals.lexical import LexicalModel
from poise.signals.negativity import NegativityScorer

ARTIFACTS = Path(__file__).parent / "artifacts"
MANIFEST = "manifest.json"
Scorer = NegativityScorer | DriftScorer | ExplanatoryScorer


class UnknownScorerError(KeyError):
    """Asked for a scorer name the registry does not hold."""

    def __str__(self) -> str:
        return str(self.args[0])


class ArtifactMissingError(FileNotFoundError):
    """The artifact folder has no trained model (run ``poise train negativity``)."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's ``manifest.json``, or a clear error saying how to create it."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ArtifactMissingError(f"no trained model in {folder}: run `poise train negativity`")
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def _encoder(folder: Path, manifest: dict[str, Any]) -> OnnxEncoder | None:
    spec = manifest.get("encoder")
    if not spec:
        return None
    return OnnxEncoder(
        folder / spec["model"], folder / spec["tokenizer"], shared=spec.get("shared")
    )


def _load_negativity(folder: Path, manifest: dict[str, Any], enc: OnnxEncoder | None) -> Scorer:
    return NegativityScorer(folder, manifest["negativity"], enc)


def _load_drift(folder: Path, manifest: dict[str, Any], enc: OnnxEncoder | None) -> Scorer:
    lexical = LexicalModel.load(folder, manifest["negativity"]["lexical"])
    return DriftScorer(folder, manifest["drift"], enc, lexical)


LOADERS: dict[str, Callable[[Path, dict[str, Any], OnnxEncoder | None], Scorer]] = {
    "negativity": _load_negativity,
    "drift": _load_drift,
}
# Rule-based scorers: the rules are the model, so there is no artifact folder to read.
RULE_BASED: dict[str, Callable[[], Scorer]] = {"explanatory": ExplanatoryScorer}
_loaded: dict[tuple[str, Path], Scorer] = {}
_encoders: dict[Path, OnnxEncoder | None] = {}
_lock = threading.Lock()


@overload
def get_scorer(name: Literal["negativity"], artifacts: Path | None = None) -> NegativityScorer: ...
@overload
def get_scorer(name: Literal["drift"], artifacts: Path | None = None) -> DriftScorer: ...
@overload
def get_scorer(
    name: Literal["explanatory"], artifacts: Path | None = None
) -> ExplanatoryScorer: ...
@overload
def get_scorer(name: str, artifacts: Path | None = None) -> Scorer: ...
def get_scorer(name: str, artifacts: Path | None = None) -> Scorer:
    """Return the named scorer, loading its artifact on first use only.

    ``artifacts`` defaults to the shipped folder; tests and ``poise eval`` pass their own.
    """
    if name not in LOADERS and name not in RULE_BASED:
        known = ", ".join(sorted([*LOADERS, *RULE_BASED]))
        raise UnknownScorerError(f"unknown scorer {name!r}; known scorers: {known}")
    folder = (artifacts or ARTIFACTS).resolve()
    key = (name, folder)
    with _lock:
        if key not in _loaded and name in RULE_BASED:
            _loaded[key] = RULE_BASED[name]()
        if key not in _loaded:
            manifest = read_manifest(folder)
            if folder not in _encoders:
                _encoders[folder] = _encoder(folder, manifest)
            _loaded[key] = LOADERS[name](folder, manifest, _encoders[folder])
        return _loaded[key]


def clear_cache() -> None:
    """Forget loaded scorers (after retraining into the same folder)."""
    with _lock:
        _loaded.clear()
        _encoders.clear()
