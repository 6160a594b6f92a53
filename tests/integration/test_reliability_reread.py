"""A dashboard whose web process lost Redis for a while is told to read its board again when Redis returns.

Its Socket.IO connection to the web process never dropped, so the page's own reconnect (which reads the board
again) never fired; the live events published while Redis was away never arrived. A real web process on a
Redis server of the test's own, a python-socketio client logged in as an operator.
"""

import pytest

from tests import factories
from tests.conftest import TEST_DATABASE
from tests.integration.test_socket_redis import Dashboard, Server

pytestmark = [pytest.mark.pg, pytest.mark.redis]


def test_dashboards_read_their_board_again_when_their_web_process_reconnects_to_redis(pg_app, tmp_path, redis_server):
    server = Server(TEST_DATABASE.url(), tmp_path / "web", redis_server.url)  # the test's own database
    try:
        server.wait_ready()
        operator = factories.make_staff("operator")
        board = Dashboard(server, operator.username)
        try:
            redis_server.stop()
            redis_server.start()  # the web process's listener finds Redis again (after 1 s, 2 s ... of retries)
            assert board.wait_for(lambda name, data: name == "live.reread", timeout=30), board.events
            assert board.client.connected  # the page's own connection never dropped: only this told it
        finally:
            board.close()
    finally:
        server.stop()
