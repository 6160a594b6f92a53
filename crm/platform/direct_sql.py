"""The one runner of prepared statements: a statement built once is compiled once and sent by psycopg.

Everything that sends a statement past SQLAlchemy's execution goes through here, in one of two ways:

- `run(statement, engine, params, turn)`: a statement that runs ON ITS OWN, outside the ORM session: a pooled
  connection of its own, in autocommit, so the statement is its own transaction (one round trip). The hottest
  webhooks are each one data-modifying statement (crm.platform.unit_of_work.run_alone is the entry point for them).
- `run_on(connection, statement, params)`: a statement of the unit of work, on the session's connection and
  inside its transaction (crm.platform.unit_of_work.run_in: a take of a case, the card lookup with its audit row).

Sent through SQLAlchemy's Connection, each statement still paid for an execution context, parameter
processing, a cache key, the connection's isolation level set and reset, and a result object: about as much CPU
as the rest of a webhook (a wait request: 3.0 ms of CPU against 0.8 ms for a constant answer, single thread,
py-spy), a third of a claim's. Here the statement is compiled to SQL text once, with its fixed parameters (the
IN lists) filled in and its type conversions looked up; each run sends the text as a prepared statement and
converts the row as SQLAlchemy would have (UTCDateTime, JSON ...), by the column names the answer gives.
Listeners of the engine's `before_cursor_execute` still see the statement (the tests count round trips that
way). A failure raises SQLAlchemy's DBAPIError subclass (IntegrityError for a unique key ...); a connection found
dead is invalidated and the error carries connection_invalidated, as SQLAlchemy would, so a webhook's retry-once
still applies.
"""

from __future__ import annotations

import re
from collections import namedtuple
from enum import Enum

import psycopg
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from crm.platform import turns


class Rows:
    """The rows a statement returned: first() and all(), as a SQLAlchemy result offers them."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list) -> None:
        self._rows = rows

    def first(self):
        return self._rows[0] if self._rows else None

    def all(self) -> list:
        return list(self._rows)


class Direct:
    """A statement as SQL text with its fixed parameters and type conversions; run() sends it."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        filled = [name for name, bind in compiled.binds.items() if bind.required]
        expanded = compiled.construct_expanded_state(dict.fromkeys(filled))
        self.sql = compact(expanded.statement)
        self.raw, self.order = numbered(self.sql)
        processors = compiled._bind_processors
        # Fixed values (IN lists, literals such as a JSON '{}') converted once; the others at each run.
        self.fixed = {name: processors[name](_plain(value)) if name in processors else _plain(value)
                      for name, value in expanded.parameters.items() if name not in filled}
        self.bind = {name: processors[name] for name in filled if name in processors}
        # The returned columns' types: in order for a built statement, by name for text().columns(name=type);
        # a column not named there comes back as psycopg gives it, as it would through SQLAlchemy.
        self.dialect, self.columns = dialect, compiled._result_columns
        self.positional = bool(getattr(compiled, "_ordered_columns", True))
        self.shapes: dict[tuple, tuple] = {}  # (row class, conversions) by the columns an answer names

    def _shape(self, names: tuple) -> tuple:
        # By the names each answer gives: a `*` returns a table's columns in that database's order.
        entries = self.columns if self.positional and len(self.columns) == len(names) else None
        if entries is None:
            by_name = {entry.keyname: entry for entry in self.columns}
            entries = [by_name.get(name) for name in names]
        convert = [entry.type._cached_result_processor(self.dialect, None) if entry else None for entry in entries]
        row = namedtuple("Row", [entry.keyname if entry else name for entry, name in zip(entries, names)],
                         rename=True)
        # Only the columns that need it (a board's hundreds of rows: one call per converted value, not per value).
        shape = self.shapes[names] = (row, [(i, process) for i, process in enumerate(convert) if process] or None)
        return shape

    def _values(self, params: dict) -> dict:
        values = self.fixed | params
        for name, process in self.bind.items():
            values[name] = process(values[name])
        return values

    def _send(self, connection: psycopg.Connection, values: dict, turn: tuple[str, str] | None) -> Rows:
        cursor = psycopg.RawCursor(connection)
        args = [values[name] for name in self.order]
        # Prepared unless the settings turned prepared statements off (prepare_threshold None: PgBouncer in
        # transaction mode, crm/config.py), where a statement prepared on one server connection is unknown on the next.
        prepare = None if connection.prepare_threshold is None else True
        if turn is None:
            cursor.execute(self.raw, args, prepare=prepare)
        else:
            # The turn's lock and the statement in one pipeline: still one round trip, and one implicit
            # transaction (its Sync ends it), so the statement's snapshot is taken once the lock is held.
            with connection.pipeline():
                psycopg.RawCursor(connection).execute(_WAIT, list(turn), prepare=prepare)
                cursor.execute(self.raw, args, prepare=prepare)
        answer = cursor.pgresult  # (its names cost less than the description, which builds columns)
        names = tuple(answer.fname(i).decode() for i in range(answer.nfields))
        row, convert = self.shapes.get(names) or self._shape(names)
        found = cursor.fetchall()
        if convert is None:
            return Rows([row._make(fields) for fields in found])
        converted = []
        for fields in found:
            values = list(fields)
            for i, process in convert:
                values[i] = process(values[i])
            converted.append(row._make(values))
        return Rows(converted)

    def _failed(self, error: psycopg.Error, values: dict, dialect, dead: bool) -> exc.DBAPIError:
        return exc.DBAPIError.instance(self.sql, values, error, psycopg.Error, dialect=dialect,
                                       connection_invalidated=dead)

    def run(self, engine: Engine, params: dict, turn: tuple[str, str] | None = None) -> Rows:
        """Send the statement on a pooled connection of its own, in autocommit (see `run`)."""
        values = self._values(params)
        try:
            fairy = engine.raw_connection()  # the pool's checkout (crm.platform.pool's check of the socket)
        except psycopg.Error as error:  # no connection could be made: SQLAlchemy's pool gives the driver's error
            raise exc.DBAPIError.instance(self.sql, values, error, psycopg.Error, dialect=engine.dialect) from error
        try:
            connection = fairy.driver_connection
            connection.autocommit = True
            try:
                if engine.dispatch.before_cursor_execute:
                    engine.dispatch.before_cursor_execute(None, None, self.sql, values, None, False)
                return self._send(connection, values, turn)
            finally:
                if not connection.closed:
                    connection.autocommit = False  # as the pool lends it to everyone else
        except psycopg.Error as error:
            dead = connection.closed or connection.broken
            if dead:
                fairy.invalidate(error)
            raise self._failed(error, values, engine.dialect, dead) from error
        finally:
            fairy.close()  # back to the pool

    def run_on(self, connection: Connection, params: dict) -> Rows:
        """Send the statement on `connection` (a SQLAlchemy Connection), inside whatever transaction it has."""
        values = self._values(params)
        engine = connection.engine
        if engine.dispatch.before_cursor_execute:
            engine.dispatch.before_cursor_execute(connection, None, self.sql, values, None, False)
        driver = connection.connection.driver_connection
        try:
            return self._send(driver, values, None)
        except psycopg.Error as error:
            dead = driver.closed or driver.broken
            if dead:
                connection.invalidate(error)
            raise self._failed(error, values, engine.dialect, dead) from error


_made: dict[int, tuple[object, Direct]] = {}


def _direct(statement, dialect) -> Direct:
    known = _made.get(id(statement))
    if known is None or known[0] is not statement:
        known = _made[id(statement)] = (statement, Direct(statement, dialect))
    return known[1]


def run(statement, engine: Engine, params: dict, turn: tuple[str, str] | None = None) -> Rows:
    """Run `statement` (built once, kept by its module) ON ITS OWN with `params`: a pooled connection outside the
    ORM session, committed as it runs; with `turn` (scope, key), only once no other unit of work holds that turn
    (crm.platform.turns)."""
    return _direct(statement, engine.dialect).run(engine, params, turn)


def run_on(connection: Connection, statement, params: dict) -> Rows:
    """Run `statement` (built once, kept by its module) with `params` on `connection`, in its transaction (the
    unit of work's: committed or rolled back with it). The connection must have begun its transaction (as the
    session's connection() does) or be in autocommit: SQLAlchemy does not see this statement, so would not."""
    return _direct(statement, connection.dialect).run_on(connection, params)


_SPACE = re.compile(r"('(?:[^']|'')*')|(?:\s|--[^\n]*)+")
_NAMED = re.compile(r"%\((\w+)\)s|%%")


def compact(sql: str) -> str:
    """`sql` with its comments dropped and each run of white space outside string literals made one space."""
    return _SPACE.sub(lambda found: found.group(1) or " ", sql).strip()


def numbered(sql: str) -> tuple[bytes, list[str]]:
    """`sql` with PostgreSQL's own $1, $2 ... in place of its %(name)s placeholders, and the names in that order.

    Sent so by psycopg's RawCursor, the text is not parsed again at each run: psycopg converts %(name)s once and
    remembers it only for statements up to 4,096 bytes (the card step's is longer), and even then hashes the
    whole text to find it."""
    order: list[str] = []

    def number(found) -> str:
        name = found.group(1)
        if name is None:
            return "%"  # a literal percent sign, escaped for the pyformat style
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _NAMED.sub(number, sql).encode(), order


_WAIT = numbered(turns.WAIT)[0]


def _plain(value):
    return value.value if isinstance(value, Enum) else value
