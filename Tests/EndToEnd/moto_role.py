"""A moto_server with an IAM user (allow-all policy, one access key) and one role anyone may assume,
checking SigV4 signatures and IAM policies after the unsigned calls that create them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import e2e_helpers as h

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST_ANY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
# create_user, put_user_policy, create_access_key, create_role, put_role_policy.
SETUP_CALLS = 5


@dataclass(frozen=True)
class MotoServer:
    url: str
    access_key_id: str
    secret_access_key: str
    user_arn: str
    role_arn: str


def moto_with_role(root: Path):
    """Yields a MotoServer (for a fixture); stops it afterwards."""
    port = h.free_port()
    url = f"http://127.0.0.1:{port}"
    exe = shutil.which("moto_server")
    argv = [exe] if exe else [sys.executable, "-m", "moto.server"]
    menv = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root), "LANG": "C.UTF-8",
            "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)}
    with open(root / "moto.log", "wb") as log:
        proc = subprocess.Popen([*argv, "-H", "127.0.0.1", "-p", str(port)], env=menv, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, start_new_session=True)
    try:
        def ready():
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server exited:\n{(root / 'moto.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/moto-api/", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        h._wait_for(ready, 30, "moto_server to answer")
        import boto3

        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="s" * 40)
        user = iam.create_user(UserName="e2e-server-user")["User"]
        iam.put_user_policy(UserName="e2e-server-user", PolicyName="all", PolicyDocument=ALLOW_ALL)
        key = iam.create_access_key(UserName="e2e-server-user")["AccessKey"]
        h.KNOWN_SECRETS.add(key["SecretAccessKey"])
        role = iam.create_role(RoleName="e2e-server-role", AssumeRolePolicyDocument=TRUST_ANY)["Role"]["Arn"]
        iam.put_role_policy(RoleName="e2e-server-role", PolicyName="all", PolicyDocument=ALLOW_ALL)
        yield MotoServer(url, key["AccessKeyId"], key["SecretAccessKey"], user["Arn"], role)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
