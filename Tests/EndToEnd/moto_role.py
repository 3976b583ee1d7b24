"""A moto_server with an IAM user (allow-all policy, one access key) and one role anyone may assume,
checking SigV4 signatures and IAM policies after the unsigned calls that create them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import e2e_helpers as h

ROLE = "e2e-server-role"


@dataclass(frozen=True)
class MotoServer:
    url: str
    access_key_id: str
    secret_access_key: str
    user_arn: str
    role_arn: str


def moto_with_role(root: Path):
    """Yields a MotoServer (for a fixture); stops it afterwards."""
    roles = {ROLE: h.TRUST_ANY}
    with h.moto_server(root, unsigned_calls=h.moto_setup_calls(roles)) as server:
        user = server.create_user("e2e-server-user", roles)
        yield MotoServer(user.url, user.access_key_id, user.secret_access_key, user.user_arn, user.role_arns[ROLE])
