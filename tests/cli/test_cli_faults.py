"""A read-only file system fails only the commands that must write, each saying why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

POISE = Path(sys.executable).parent / "poise"


def _poise(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "POISE_DATA_DIR": str(data_dir),
        "POISE_ENVIRONMENT": "test",
    }
    env.pop("POISE_DATABASE_URL", None)
    return subprocess.run(
        [str(POISE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A small file system holding a Poise data directory, then remounted read-only."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and shutil.which("mount") is not None
    mounted = mounted and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], check=False
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("needs root to mount and remount a file system read-only")
    try:
        created = _poise(disk / "data", "stats")
        assert created.returncode == 0, created.stderr
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        yield disk / "data"
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_read_only_file_system_gives_a_clear_message_not_a_traceback(
    read_only_disk: Path,
) -> None:
    shown = _poise(read_only_disk, "settings")
    assert shown.returncode == 0, shown.stderr
    for command in (
        ["stats"],
        [
            "users",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "agent",
            "--password",
            "long-enough-pass",
        ],
    ):
        result = _poise(read_only_disk, *command)
        assert "Traceback" not in result.stderr + result.stdout, command
        if result.returncode != 0:
            assert "Error:" in result.stderr, (command, result.stderr)
    refused = _poise(
        read_only_disk,
        "users",
        "add",
        "--email",
        "b@example.com",
        "--name",
        "B",
        "--role",
        "agent",
        "--password",
        "long-enough-pass",
    )
    assert refused.returncode != 0
    assert "read-only" in refused.stderr
