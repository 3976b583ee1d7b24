"""The real AWS CLI uses the helper through `credential_process` against moto, which checks SigV4
signatures: the right stored key works, a wrong one fails."""

import json
import shlex
import sys

import e2e_helpers as h
from e2e_helpers import credential_document, env_with, store_from_env, tool


def _aws(env, moto, *args):
    return h.run(
        [sys.executable, "-m", "awscli", *args, "--endpoint-url", moto.endpoint_url, "--output", "json"],
        env,
        timeout=60,
    )


def test_aws_cli_get_caller_identity_through_credential_process(env, moto, tmp_path, helper_bin):
    keys_profile = h.fresh_profile("keys")
    config = tmp_path / "config"
    config.write_text(
        "[profile e2e]\n"
        f"credential_process = {shlex.quote(helper_bin)} --profile {keys_profile}\n"
        "region = us-east-1\n"
    )
    e = env_with(
        env,
        AWS_CONFIG_FILE=config,
        AWS_SHARED_CREDENTIALS_FILE=tmp_path / "no-credentials-file",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID=None,
        AWS_SECRET_ACCESS_KEY=None,
        AWS_SESSION_TOKEN=None,
        AWS_PROFILE=None,
    )

    # 1. The real key, stored from the environment: the CLI is moto's IAM user.
    r = store_from_env(e, keys_profile, moto.access_key_id, moto.secret_access_key)
    assert r.rc == 0, r.describe()
    r = _aws(e, moto, "sts", "get-caller-identity", "--profile", "e2e")
    assert r.rc == 0, r.describe()
    assert json.loads(r.stdout)["Arn"] == moto.user_arn

    # 2. Same key id, wrong secret: the helper hands it out, moto rejects the signature.
    wrong = h.new_secret()
    r = store_from_env(e, keys_profile, moto.access_key_id, wrong, force=True)
    assert r.rc == 0, r.describe()
    doc = credential_document(tool(["--profile", keys_profile], e))
    assert doc["SecretAccessKey"] == wrong and doc["AccessKeyId"] == moto.access_key_id
    r = _aws(e, moto, "sts", "get-caller-identity", "--profile", "e2e")
    assert r.rc != 0, "a wrong secret must not get through moto's signature check\n" + r.describe()
    assert "SignatureDoesNotMatch" in r.stderr, r.describe()
    assert moto.user_arn not in r.stdout

    # 3. The right secret again: works again (so step 2 failed because of the secret alone).
    r = store_from_env(e, keys_profile, moto.access_key_id, moto.secret_access_key, force=True)
    assert r.rc == 0, r.describe()
    r = _aws(e, moto, "sts", "get-caller-identity", "--profile", "e2e")
    assert r.rc == 0, r.describe()
    assert json.loads(r.stdout)["Arn"] == moto.user_arn


def test_aws_cli_reports_a_helper_failure(env, moto, tmp_path, helper_bin):
    """No keys stored: the helper fails, and the CLI fails showing the helper's message."""
    keys_profile = h.fresh_profile("nokeys")
    config = tmp_path / "config"
    config.write_text(
        "[profile e2e-missing]\n"
        f"credential_process = {shlex.quote(helper_bin)} --profile {keys_profile}\n"
    )
    e = env_with(env, AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                 AWS_DEFAULT_REGION="us-east-1")
    r = _aws(e, moto, "sts", "get-caller-identity", "--profile", "e2e-missing")
    assert r.rc != 0, r.describe()
    assert f"awskeyring-helper store --profile {keys_profile}" in r.stderr, r.describe()
