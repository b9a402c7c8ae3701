"""PII and PCI redaction, used wherever customer text is stored or logged.

:func:`streams.privacy.pii.redact` finds each kind (cards, CVVs, IBANs, emails, phones,
national IDs, addresses, postcodes, dates of birth) with its own module's rules.
"""
