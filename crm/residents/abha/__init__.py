"""ABHA, India's national health account: the 14-digit ABHA number, the ABHA address and the ABHA card's QR.

`number.py` and `qr.py` parse what a person types or a scanner reads (pure functions, property-tested);
`services.py` links an ABHA to a resident and finds a resident by it.
"""
