"""The review app's pages, one blueprint per concern; review/web.py registers them.

auth           log in, log out, change password, the health check (the pages a session starts from)
conversations  the queue, the list, a transcript and what staff do on it, export
outcomes       check-in answers per cause and weekly figures, as charts, tables and CSV
admin          staff accounts and the audit log (admins only)
common         what the blueprints share
"""
