"""Health cards: numbers, signed QR tokens, printable cards, photo scanning."""
