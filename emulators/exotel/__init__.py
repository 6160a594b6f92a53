"""An emulator of Exotel's SMS API (India), for the demo and tests: built from Exotel's published API documentation.

`create_exotel_emulator(config)` returns a small Flask app: the REST API (`POST /v1/Accounts/<sid>/Sms/send`, `GET
/v1/Accounts/<sid>/SMS/Messages/<SmsSid>`), checked as Exotel checks (HTTP Basic with the API key and token, the
mandatory fields, the DLT entity id and the registered header), a DLT scrubber that holds every text against the
registered templates and fails what matches none with Exotel's DLT codes, status callbacks, and the citizen's
phone (`/phone/text` sends a text to the ExoPhone, `/phone/texts` reads what a number received).
"""

from emulators.exotel.app import ExotelEmulator, create_exotel_emulator, exotel_of

__all__ = ["ExotelEmulator", "create_exotel_emulator", "exotel_of"]
