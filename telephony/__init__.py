"""The Twilio edge of Sampark: webhooks, TwiML prompts, the outbound gateway and the emulator."""
