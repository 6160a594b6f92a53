"""Staff passwords are stored at Argon2id's production cost (the suite hashes cheaply: tests/fast_setup.py)."""

from __future__ import annotations

from argon2 import Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from tests.fast_setup import PRODUCTION_HASHER


def test_the_production_hasher_is_argon2id_at_least_at_the_rfc_9106_low_memory_cost() -> None:
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
    assert PRODUCTION_HASHER.time_cost >= RFC_9106_LOW_MEMORY.time_cost


def test_a_stored_hash_names_its_cost_so_a_stronger_setting_later_still_verifies_it() -> None:
    stored = PRODUCTION_HASHER.hash("a long staff password")
    assert stored.startswith(f"$argon2id$v=19$m={PRODUCTION_HASHER.memory_cost},t={PRODUCTION_HASHER.time_cost},")
    assert PRODUCTION_HASHER.verify(stored, "a long staff password")
