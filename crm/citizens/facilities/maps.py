"""Links to OpenStreetMap for a facility: a map with its marker, and directions to it. Plain links: the page loads no
map script and sends nobody's position anywhere; the citizen's own browser asks OpenStreetMap when they tap."""

from __future__ import annotations

from urllib.parse import urlencode

from crm.models import Facility

OSM = "https://www.openstreetmap.org"


def _point(facility: Facility) -> str | None:
    if facility.lat is None or facility.lon is None:
        return None
    return f"{facility.lat:.5f},{facility.lon:.5f}"


def map_url(facility: Facility) -> str:
    """The facility on the map, with a marker (its address searched for when it has no coordinates)."""
    point = _point(facility)
    if point is None:
        return f"{OSM}/search?" + urlencode({"query": _address(facility)})
    lat, lon = point.split(",")
    return f"{OSM}/?" + urlencode({"mlat": lat, "mlon": lon}) + f"#map=17/{lat}/{lon}"


def directions_url(facility: Facility) -> str:
    """Directions to the facility (OpenStreetMap asks where from): its coordinates, else its address."""
    return f"{OSM}/directions?" + urlencode({"to": _point(facility) or _address(facility)})


def _address(facility: Facility) -> str:
    return ", ".join(part for part in (facility.name, facility.address, "Delhi") if part)
