"""`flask demo seed` names a resident who can sign in to the portal, and the grievance desks exist."""

import re

from crm.extensions import db
from crm.models import StaffUser
from tests.portal.conftest import sign_in


def test_the_demo_names_a_resident_who_signs_in(app):
    output = app.test_cli_runner().invoke(args=["demo", "seed", "--residents", "60"]).output
    mobile = re.search(r"Citizen portal: /portal, sign in as .+ with (\d{10});", output).group(1)
    client = app.test_client()
    sign_in(client, "+91" + mobile)
    page = client.get("/portal/").get_data(as_text=True)
    assert page.count("p-person") >= 3  # the resident and their household
    sections = {s.username: s.section for s in db.session.query(StaffUser).filter_by(role="officer")}
    assert sections == {"officer1": "facilities", "officer2": "helpline", "officer3": "card_office"}
