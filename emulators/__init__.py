"""Stand-ins for the telephony providers (development, demo and tests; never production).

One package per provider, each a small server that answers what the real provider answers and refuses what it
refuses. The app loads one only with TELEPHONY=emulator (telephony.gateway, telephony.init_app); no production
module imports this package (tests/architecture/test_emulators.py).
"""
