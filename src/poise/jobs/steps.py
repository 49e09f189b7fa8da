"""One progress bar for a job made of steps that count different things.

Mining embeds conversations, then groups them (passes of the grouping), then drafts
proposals: three counts of their own. Reported as they are, the bar went back to 0 % each
time a step began, or (as mining did) stood at 100 % through every step after the first.
Here each step is given an explicit share of one bar of :data:`BAR` units, in order: a step
starts where the one before it ended, moves through its share with its own count, and the
bar never goes back (a step skipped, as re-embedding the manual mostly is, is passed over).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from poise.words import counted

BAR = 100  # a stepped job's total, so that its ``done`` reads as the percent
StepProgress = Callable[[int, int], None]  # one step's own ``done`` of ``total``
T = TypeVar("T")


class Report(Protocol):
    """Where the bar goes: a job's progress (:class:`poise.jobs.JobProgress`), a CLI bar."""

    def __call__(self, done: int, total: int, step: str = "") -> None: ...


@dataclass(frozen=True)
class Step:
    """One step of a job: its name (shown as the job's detail), its share of the bar, and
    what its own count counts, when a person reads that count ("conversation")."""

    name: str
    share: int
    counts: str = ""


class Steps:
    """Each step's own count mapped onto its share of one bar of :data:`BAR` units.

    ``report`` may be ``None`` (a run nobody watches): the steps then report nowhere."""

    def __init__(self, report: Report | None, steps: Sequence[Step]) -> None:
        if sum(step.share for step in steps) != BAR:
            raise ValueError(f"the steps' shares must add up to {BAR}")
        self._report = report
        self._steps = {step.name: step for step in steps}
        self._starts: dict[str, int] = {}
        start = 0
        for step in steps:
            self._starts[step.name] = start
            start += step.share
        self.done = 0  # the bar's units, never lower than already reported

    def step(self, name: str) -> StepProgress:
        """The progress of the step ``name``: ``(done, total)`` of its own count; a total of
        0 means the step has nothing to do, so its share is done."""
        step, start = self._steps[name], self._starts[name]

        def report(done: int, total: int) -> None:
            within = step.share * min(max(done, 0), total) // total if total > 0 else step.share
            self.done = max(self.done, start + within)
            if self._report:
                self._report(self.done, BAR, _detail(step, done, total))

        return report


def _detail(step: Step, done: int, total: int) -> str:
    """The step's name, with its own count when a person reads it ("embedding issues:
    1,200 of 2,888 conversations")."""
    return f"{step.name}: {done:,} of {counted(total, step.counts)}" if step.counts else step.name


def counting(items: Sequence[T], progress: StepProgress) -> Iterator[T]:
    """The items in order, telling ``progress`` how many are done before each one (so a slow
    one shows where the step is) and that all are, once the last is."""
    for done, item in enumerate(items):
        progress(done, len(items))
        yield item
    progress(len(items), len(items))
