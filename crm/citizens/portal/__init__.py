"""The citizen portal: sign-in by one-time SMS code, one's own and one's household's cards, card status and
requests, appointments, past contacts with the helpline, and grievances. A citizen session is never a staff
login and a staff login is never a citizen session."""
