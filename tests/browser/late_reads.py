"""A read that leaves now and comes back late: the browser tests' way of making a stale answer arrive on cue."""

from __future__ import annotations


class Held:
    """The first request to a URL pattern, answered by the server at once and delivered to the page only when
    the test calls deliver(); later requests to it pass through."""

    def __init__(self, page, pattern: str) -> None:
        self.page, self.pattern, self.held = page, pattern, []
        page.route(pattern, self._hold)

    def _hold(self, route) -> None:
        if self.held:
            route.continue_()
        else:
            self.held.append((route, route.fetch()))  # what the server said now, for later

    def wait(self) -> None:
        """Until the page has sent that first request."""
        while not self.held:
            self.page.wait_for_timeout(50)

    def deliver(self) -> None:
        """The late answer reaches the page (returns once the page has received it)."""
        route, answer = self.held[0]
        with self.page.expect_response(self.pattern):
            route.fulfill(response=answer)
