"""Replies to mail reporters, up to the outbox: what they say and the rows that queue them.

The mail intake (an acknowledgement, STOP) and the analysts' services (an outcome, a thread
message) both queue replies in their own transactions; this package sits below both so that
intake never imports services. Sending is `services/mail_replies.py`.
"""
