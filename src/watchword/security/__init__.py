"""Safeguards every layer may use, below services/ and intake/: sealing contact details,
rate limits, and redaction of names and addresses before anything is shared."""
