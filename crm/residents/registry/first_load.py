"""A first import into an empty registry builds patient's secondary indexes once, after the rows, not row by row.

Inserting 20 million rows into a table with a dozen B-tree indexes on random keys (registry id, mobile, folded
name, ward...) writes every index page again and again through PostgreSQL's shared buffers; building an index
after the load sorts its keys once (bench/README.md, "Registry at Delhi's size"). Only an empty patient table
is loaded this way: dropping an index locks the table until the import commits, which on a live registry would
hold up every card lookup for the whole import. The definitions are read from the database itself
(pg_get_indexdef, as the migrations made them), dropped and recreated inside the import's transaction, so a
failure anywhere rolls the indexes back with the rows. The primary key stays (new ids only append to it, and
other tables' foreign keys need it), and so does any index a constraint other than a plain unique one needs.

Patient's foreign keys to itself and to household are set aside the same way and added back after the rows,
which checks each once for the whole table (one join) instead of once a row (a lookup and a lock of the
household row for each resident: two thirds of the INSERT's time at 1,000,000). The household key only when
household too can be locked at once: dropping it locks household. The key to staff_user stays (locking staff
out of signing in for the import is not acceptable), and its check costs little for registry rows (it is null).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

TABLE = "patient"
WRITTEN_TOO = "household"  # the other table the import writes: a key to it may be set aside if it can be locked
SORT_MEMORY = "1GB"  # maintenance_work_mem for the index builds, this transaction only
# The table's indexes that can be set aside: not the primary key, not one an exclusion, deferrable or foreign-key
# constraint relies on. A plain unique constraint's index is recreated from its own definition and given back
# to the constraint (ADD CONSTRAINT ... USING INDEX).
SECONDARY_INDEXES = """
SELECT r.relname, pg_get_indexdef(i.indexrelid), c.conname
FROM pg_index AS i JOIN pg_class AS r ON r.oid = i.indexrelid
LEFT JOIN pg_constraint AS c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
  AND (c.oid IS NULL OR (c.contype = 'u' AND NOT c.condeferrable))
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY i.indexrelid
"""


# A table's foreign keys to the tables named (itself, and those it could lock).
FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' AND confrelid = ANY (%s::regclass[])
ORDER BY oid
"""


@dataclass(frozen=True)
class Index:
    name: str
    definition: str  # pg_get_indexdef's CREATE INDEX statement
    constraint: str | None  # the unique constraint it backs, if any


@dataclass(frozen=True)
class ForeignKey:
    name: str
    definition: str  # pg_get_constraintdef's FOREIGN KEY ... REFERENCES ...


@dataclass(frozen=True)
class SetAside:
    table: str
    indexes: list[Index]
    foreign_keys: list[ForeignKey]


def set_aside(cursor: psycopg.Cursor, table: str = TABLE, lockable: tuple[str, ...] = (WRITTEN_TOO,)) -> SetAside | None:
    """If `table` (patient) is empty and can be locked at once, drop its secondary indexes and its foreign keys to
    itself and to those `lockable` tables that can be locked at once too, and return their definitions (for
    `rebuild`); else None and nothing changed. The locks are held until the transaction ends."""
    if _has_rows(cursor, table):
        return None  # a live registry: its indexes are maintained row by row and it stays readable
    if not _lock_at_once(cursor, table):
        return None  # someone is reading it: the ordinary path
    if _has_rows(cursor, table):
        cursor.execute("ROLLBACK TO SAVEPOINT registry_first_load")  # filled since the first look: lock released
        return None
    cursor.execute("RELEASE SAVEPOINT registry_first_load")
    indexes = [Index(*row) for row in cursor.execute(SECONDARY_INDEXES, (table,)).fetchall()]
    referenced = [table]
    for other in lockable:
        if _lock_at_once(cursor, other):
            cursor.execute("RELEASE SAVEPOINT registry_first_load")
            referenced.append(other)
    keys = [ForeignKey(*row) for row in cursor.execute(FOREIGN_KEYS, (table, referenced)).fetchall()]
    name = sql.Identifier(table)
    for key in keys:
        cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(name, sql.Identifier(key.name)))
    for index in indexes:
        if index.constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(name, sql.Identifier(index.constraint)))
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index.name)))
    return SetAside(table, indexes, keys)


def _has_rows(cursor: psycopg.Cursor, table: str) -> bool:
    return cursor.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))).fetchone()[0]


def _lock_at_once(cursor: psycopg.Cursor, table: str) -> bool:
    """Lock `table` exclusively unless someone holds a lock on it (then nothing changed). On success the savepoint
    registry_first_load is left open: the caller releases it, or rolls back to it to let the lock go."""
    cursor.execute("SAVEPOINT registry_first_load")
    try:
        cursor.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE NOWAIT").format(sql.Identifier(table)))
    except psycopg.errors.LockNotAvailable:
        cursor.execute("ROLLBACK TO SAVEPOINT registry_first_load")
        cursor.execute("RELEASE SAVEPOINT registry_first_load")
        return False
    return True


def rebuild(cursor: psycopg.Cursor, aside: SetAside) -> None:
    """Create the indexes set aside, each by one sort of the loaded table (in parallel where PostgreSQL sees fit),
    then add the foreign keys back (each checked by one join over the table)."""
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
    name = sql.Identifier(aside.table)
    for index in aside.indexes:
        cursor.execute(index.definition)
        if index.constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}").format(
                name, sql.Identifier(index.constraint), sql.Identifier(index.name)))
    for key in aside.foreign_keys:
        cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(name, sql.Identifier(key.name))
                       + sql.SQL(key.definition))
