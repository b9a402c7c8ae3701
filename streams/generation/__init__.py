"""The generation domain: what a reply or a description is written from, and how it is judged.

Facts and policies (:mod:`.facts`), the customer's language and intent (:mod:`.language`,
:mod:`.intents`), what a question asks (:mod:`.fact_match`, :mod:`.answers`) and what is declined
(:mod:`.asks`), prompts and templates (:mod:`.prompts`, :mod:`.reply_templates`), the guard
(:mod:`.guard`), and the two services the agents and ``shopstream generate`` share
(:mod:`.replies`, :mod:`.descriptions`, :mod:`.offline`).
"""
