"""Reminders by mail (``geoapp notify``): the inbox of every account, queued and sent.

A feature beside the map, the reports and the admission check: it reads
through geoapp.store and the rules of geoapp.domain.reminders and speaks SMTP
with the standard library (``mail``); ``run`` is one run of the command.
"""
