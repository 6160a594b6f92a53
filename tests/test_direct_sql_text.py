"""The text crm.platform.direct_sql sends: comments and white space dropped outside string literals, PostgreSQL's own
placeholders numbered once per name (the statements run on PostgreSQL: tests/integration/test_direct_sql.py)."""

from hypothesis import given
from hypothesis import strategies as st

from crm.platform.direct_sql import compact, numbered


def test_comments_and_runs_of_white_space_go_string_literals_stay():
    sql = """SELECT 'a  b -- not a comment', x   -- a comment
    FROM t\tWHERE y = 'it''s  here'  -- another
    """
    assert compact(sql) == "SELECT 'a  b -- not a comment', x FROM t WHERE y = 'it''s  here'"


@given(st.text(alphabet=st.characters(blacklist_characters="'", blacklist_categories=("Cs",)), max_size=40))
def test_any_string_literal_is_kept_as_it_was(inside):
    assert compact(f"SELECT  '{inside}'  AS v") == f"SELECT '{inside}' AS v"


def test_each_name_is_one_number_and_escaped_percent_signs_are_plain_again():
    raw, order = numbered("UPDATE t SET a = %(a)s, b = %(b)s WHERE a <> %(a)s AND c LIKE 'x%%'")
    assert raw == b"UPDATE t SET a = $1, b = $2 WHERE a <> $1 AND c LIKE 'x%'"
    assert order == ["a", "b"]
