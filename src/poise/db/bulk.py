"""Bulk writes and key look-ups for imports: many rows per statement, never one per row.

The ORM's bulk insert leaves out a ``None`` value so the column's default applies, and so
groups rows by which keys they carry: a batch where some messages have an author and others
do not breaks into runs of a row or two, each its own statement (PostgreSQL imports ran at
under 1,000 messages a second). Here every row carries every column, ``None`` becoming the
column's default exactly as the ORM would have done, so a batch stays one stream:

- on PostgreSQL, a large batch goes through ``COPY``, its ids drawn first from the table's
  sequence so the caller learns them without ``RETURNING``;
- elsewhere (SQLite), and for small batches everywhere, one ``INSERT`` run for all the rows
  (SQLAlchemy's multi-row ``VALUES ... RETURNING``, sorted to the rows' order, when the ids
  are asked for).

Look-ups take their keys in one array on PostgreSQL (``IN (SELECT unnest(array))``, a join)
and in chunks of a few hundred (``IN``) on SQLite, whose statements take a bounded number of
parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ARRAY, ColumnElement, Select, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import QueryableAttribute, Session

COPY_MIN_ROWS = 50  # below this a multi-row INSERT beats COPY's extra round trips
IN_CHUNK = 500  # keys per IN (...) on SQLite
ANY_CHUNK = 50_000  # keys per array on PostgreSQL: one statement, one parameter

T = TypeVar("T")
Key = TypeVar("Key")
Processor = Callable[[Any], Any]
KeyColumn = ColumnElement[Key] | QueryableAttribute[Key]


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _python_defaults(table: Table) -> dict[str, Callable[[], Any]]:
    """Each column's client-side default as a function of nothing (a new list each call)."""
    found: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            continue
        found[column.name] = _call_default(default.arg, callable_=default.is_callable)  # type: ignore[attr-defined]
    return found


def _call_default(arg: Any, *, callable_: bool) -> Callable[[], Any]:
    def value() -> Any:
        return arg(None) if callable_ else arg  # SQLAlchemy wraps a callable to take a context

    return value


def complete_rows(
    table: Table, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """The rows as value lists over one column list, ``None`` and absent keys given defaults.

    Every row has the keys of the first. The ORM's bulk insert leaves out a ``None`` so the
    column's default applies, except for a type that stores ``None`` as a value (JSON's
    ``null``); doing the same here stores exactly what the ORM stored.
    """
    defaults = _python_defaults(table)
    given = rows[0].keys()
    names = [c.name for c in table.columns if c.name in given or c.name in defaults]
    fixes = [
        (i, defaults[name]())
        for i, name in enumerate(names)
        if name in defaults and not (name in given and table.c[name].type.should_evaluate_none)
    ]
    values: list[list[Any]] = []
    for row in rows:
        value = [row.get(name) for name in names]
        for i, default in fixes:
            if value[i] is None:
                value[i] = default
        values.append(value)
    return names, values


def insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, ids: bool = True
) -> list[int]:
    """Insert ``rows`` into ``table`` in the session's transaction; their new ids, in order.

    Rows may leave out columns that have defaults; ``None`` takes the column's default, as with
    the ORM. With ``ids=False`` nothing is returned (the insert is a little cheaper).
    """
    if not rows:
        return []
    names, values = complete_rows(table, rows)
    if _is_postgresql(session) and len(values) >= COPY_MIN_ROWS:
        return _copy(session, table, names, values, ids=ids)
    return _insert(session, table, names, values, ids=ids)


def write_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that already carry every column (no defaults to fill in, no ids wanted).

    A large batch goes through ``COPY`` on PostgreSQL, as in :func:`insert_rows`; elsewhere
    the rows go as given, one ``executemany``, without being rebuilt into value lists and
    back (which cost SQLite's rebuild of the insights rollup more than it saved).
    """
    if _is_postgresql(session) and len(rows) >= COPY_MIN_ROWS:
        insert_rows(session, table, rows, ids=False)
    elif rows:
        session.execute(insert(table), list(rows))


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    update: Sequence[str],
) -> None:
    """Insert rows, or set ``update`` on a row whose ``key`` is already there (no commit).

    ``INSERT … ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL alike, so two writers of the
    same key at once (a collection and a rollup, two importers) both succeed. Chunks of
    ``IN_CHUNK`` rows keep SQLite under its bound on parameters.
    """
    dialect = postgresql if _is_postgresql(session) else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={name: statement.excluded[name] for name in update}
    )
    for start in range(0, len(rows), IN_CHUNK):
        session.execute(statement, list(rows[start : start + IN_CHUNK]))


def _insert(
    session: Session, table: Table, names: list[str], values: list[list[Any]], *, ids: bool
) -> list[int]:
    params = [dict(zip(names, row, strict=True)) for row in values]
    if not ids:
        session.execute(insert(table), params)
        return []
    id_column = table.c.id
    statement = insert(table).returning(id_column, sort_by_parameter_order=True)
    return [row_id for (row_id,) in session.execute(statement, params)]


def _processors(table: Table, names: list[str], dialect: Dialect) -> list[Processor | None]:
    return [table.c[name].type._cached_bind_processor(dialect) for name in names]


def _copy(
    session: Session, table: Table, names: list[str], values: list[list[Any]], *, ids: bool
) -> list[int]:
    """``COPY`` the rows in; with ``ids``, draw their ids from the sequence first.

    Drawing with ``nextval`` (not by moving the sequence) is safe beside other writers: the
    ids may have gaps, never repeats.
    """
    connection = session.connection()
    new_ids: list[int] = []
    if ids:
        drawn = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) "
            "FROM generate_series(1, %(n)s)",
            {"table": table.name, "n": len(values)},
        )
        new_ids = [row_id for (row_id,) in drawn]
        names = ["id", *names]
        values = [[row_id, *row] for row_id, row in zip(new_ids, values, strict=True)]
    processors = _processors(table, names, connection.dialect)
    active = [(i, fn) for i, fn in enumerate(processors) if fn is not None]
    # JSON's None is the value null, as the ORM stores it, not SQL NULL.
    keep_none = {i for i, name in enumerate(names) if table.c[name].type.should_evaluate_none}
    columns = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
    raw = cast(Any, connection.connection.dbapi_connection)
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                for i, fn in active:
                    if row[i] is not None or i in keep_none:
                        row[i] = fn(row[i])
                copy.write_row(row)
    except driver_error as exc:
        # Raised as SQLAlchemy raises a driver's error, so callers catch IntegrityError alike.
        raise DBAPIError.instance(statement, None, exc, driver_error) from exc
    return new_ids


def key_conditions(
    session: Session, key: KeyColumn[Key], keys: Iterable[Key]
) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select ``key`` among ``keys``, in few statements."""
    values = list(dict.fromkeys(keys))
    if isinstance(key, QueryableAttribute):
        key = key.expression
    if _is_postgresql(session):
        # IN (SELECT unnest(array)), not = ANY(array): the planner makes it a join, linear in
        # rows + keys. With = ANY, a table whose statistics were taken while it was small (a
        # first import's customers) was scanned with the whole array cast and searched for each
        # row: past ~200,000 messages a 1M import spent most of its time there.
        for start in range(0, len(values), ANY_CHUNK):
            chunk = values[start : start + ANY_CHUNK]
            yield key.in_(select(func.unnest(bindparam(None, chunk, type_=ARRAY(key.type)))))
        return
    for start in range(0, len(values), IN_CHUNK):
        yield key.in_(values[start : start + IN_CHUNK])


def lookup(
    session: Session, statement: Select[Any], key: KeyColumn[Key], keys: Iterable[Key]
) -> list[Row[Any]]:
    """The rows of ``statement`` whose ``key`` is among ``keys``."""
    found: list[Row[Any]] = []
    for condition in key_conditions(session, key, keys):
        found.extend(session.execute(statement.where(condition)))
    return found


def lookup_objects(
    session: Session, statement: Select[tuple[T]], key: KeyColumn[Any], keys: Iterable[Any]
) -> list[T]:
    """The entities (or single values) of ``statement`` whose ``key`` is among ``keys``."""
    found: list[T] = []
    for condition in key_conditions(session, key, keys):
        found.extend(session.scalars(statement.where(condition)))
    return found


def among(
    session: Session, key: KeyColumn[Key], keys: Iterable[Key], *where: ColumnElement[bool]
) -> set[Key]:
    """Which of ``keys`` are stored (in rows matching ``where`` too)."""
    statement = select(key).where(*where)
    return set(lookup_objects(session, statement, key, keys))
