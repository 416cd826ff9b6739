"""The Sentry ingestion protocol: what a Sentry SDK sends, read without touching the database.

`decompress` reads a request body as a stream under a size cap, `envelope` splits an envelope
into items, `auth` finds the client's public key, and `mapping` turns a Sentry event into the
report `errors.ingest.error_report` records.
"""
