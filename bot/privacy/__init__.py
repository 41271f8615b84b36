"""Privacy and data rights: export, erasure, suppression, retention, masking.

- ``export.export_contact``: everything about one person as one JSON document.
- ``erase.erase_contact``: the single erasure service (CLI, API, "forget me", retention);
  ``erase.run_cleanup`` removes salesbot's Slack messages about them after the commit
  (``slack_cleanup``), and the address a "forget me" confirmation was delivered to.
- ``suppression``: keyed hashes that stop late retries of old events recreating a person.
- ``retention.run_retention``: the recurring job deleting what has expired.
- ``tasks``: the scheduler handlers (``retention.run``, ``privacy.cleanup``).
- ``lookup``: an operator's "42", "id:42", e-mail or phone number -> a contact id.
- ``masking``: e-mail/phone masking and credential redaction for logs (``bot.logs``).
- ``settings``: the ``privacy:`` section of settings.yaml.
"""
