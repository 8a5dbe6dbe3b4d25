"""The SMS gateways' webhooks (see intake/sms.py)."""
