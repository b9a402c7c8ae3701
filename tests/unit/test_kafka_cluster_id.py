"""KRaft cluster ids for the local broker's storage format."""

from __future__ import annotations

import base64

from streams.tooling.stack.kafka import new_cluster_id


def test_cluster_ids_are_uuids_that_never_read_as_an_option() -> None:
    # One URL-safe base64 id in 64 starts with "-"; 3,000 draws meet dozens of them.
    ids = [new_cluster_id() for _ in range(3000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)
    assert len(set(ids)) == len(ids)
