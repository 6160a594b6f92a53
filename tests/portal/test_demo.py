"""The demo names a resident (in its banner) who can sign in to the portal, and the grievance desks exist."""

import re

from crm.models import StaffUser
from crm.platform.extensions import db
from crm.seed import demo
from tests.portal.conftest import sign_in


def test_the_demo_names_a_resident_who_signs_in(app):
    app.test_cli_runner().invoke(args=["demo", "seed", "--residents", "60"])
    banner = demo.banner("http://127.0.0.1:5000")  # what the newcomer reads once the demo is listening
    mobile = "".join(re.search(r"sign in as .+ with the mobile number (\d{5}) (\d{5});", banner).groups())
    client = app.test_client()
    sign_in(client, "+91" + mobile)
    page = client.get("/portal/").get_data(as_text=True)
    assert page.count("p-person") >= 3  # the resident and their household
    sections = {s.username: s.section for s in db.session.query(StaffUser).filter_by(role="officer")}
    assert sections == {"officer1": "facilities", "officer2": "helpline", "officer3": "card_office",
                        "officer4": "grievance_cell"}  # the senior desk overdue complaints escalate to
