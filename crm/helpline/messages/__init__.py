"""Citizens' texts (SMS and WhatsApp), whichever provider carries them.

- `inbound`: a provider's edge hands over an `InboundText` (a plain dataclass) and gets a `Received` back; every
  decision about the text (opt-out, grievance, facility question, emergency, which reply) is made there.
- `delivery`: a provider's report on an outbound message, applied only if it moves the message forward.
- `replies`: what the helpline texts back on its own, in the sender's script.

Sending is crm.platform.outbox's: a pending message now, a send job after the commit, the provider installed at start.
"""
