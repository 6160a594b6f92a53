"""After a merge, the family's portal shows the record kept once: no second head of household 'with no card issued',
and the download of their data holds no merged record."""

from __future__ import annotations

from tests.duplicates.test_merged_disappears import MOBILE, merged_family
from tests.portal.conftest import sign_in


def test_the_merged_record_leaves_the_familys_portal(app):
    merged_family()
    citizen = app.test_client()
    sign_in(citizen, MOBILE)
    citizen.get("/portal/lang/en?next=/portal/")
    home = citizen.get("/portal/").get_data(as_text=True)
    assert "Rajesh Sharma" in home and "Sunita Sharma" in home
    assert "Sharmaa" not in home and "no card issued" not in home.lower()
    data = citizen.get("/portal/my-data.json").get_data(as_text=True)
    assert "Rajesh Sharma" in data and "Sharmaa" not in data
