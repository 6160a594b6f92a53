"""The facility finder: facilities with where and when, the nearest open ones to a ward or pincode.

Used by operators on a call (the operator desk's panel, GET /api/v1/facilities/nearest), by citizens on
the public page /facilities, and in SMS/WhatsApp answers to "where is the nearest clinic"
(crm.citizens.facilities.question reads the question, crm.citizens.facilities.answer writes the answer).
"""
