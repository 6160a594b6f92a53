"""The synthetic demo city: residents through the real registry import, cards, facilities, staff."""
