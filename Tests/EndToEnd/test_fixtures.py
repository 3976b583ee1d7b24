"""The test harness itself: the private keyring and moto are real, isolated and checking signatures."""

import os
import stat

import boto3
import botocore.exceptions
import pytest

import e2e_helpers as h


def test_keyring_session_is_private_and_works(keyring):
    env = keyring.env
    for var in ("HOME", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        assert env[var].startswith(str(keyring.root)), var
    assert stat.S_IMODE(os.stat(env["XDG_RUNTIME_DIR"]).st_mode) == 0o700
    assert env["DBUS_SESSION_BUS_ADDRESS"].startswith(f"unix:path={keyring.busdir}")
    assert env["AWS_CONFIG_FILE"].startswith(env["HOME"])
    assert env["AWS_SHARED_CREDENTIALS_FILE"].startswith(env["HOME"])
    outer_aws = {k for k in env if k.startswith("AWS_")} - {
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"}
    assert not outer_aws
    assert "DISPLAY" not in env and "WAYLAND_DISPLAY" not in env

    attrs = ["e2e-test", h.fresh_profile()]
    r = h.run(["secret-tool", "store", "--label=e2e", *attrs], env, input="value-1")
    assert r.rc == 0, r.describe()
    r = h.run(["secret-tool", "lookup", *attrs], env)
    assert (r.rc, r.stdout) == (0, "value-1"), r.describe()
    r = h.run(["secret-tool", "clear", *attrs], env)
    assert r.rc == 0, r.describe()
    r = h.run(["secret-tool", "lookup", *attrs], env)
    assert r.rc != 0 and r.stdout == ""
    # The keyring's files live in the private XDG_DATA_HOME.
    assert (keyring.data / "keyrings").is_dir()


def _sts(moto, secret):
    return boto3.client(
        "sts", endpoint_url=moto.endpoint_url, region_name="us-east-1",
        aws_access_key_id=moto.access_key_id, aws_secret_access_key=secret,
    )


def test_moto_accepts_the_right_key(moto):
    assert len(moto.secret_access_key) == 40
    assert _sts(moto, moto.secret_access_key).get_caller_identity()["Arn"] == moto.user_arn


def test_moto_rejects_a_wrong_secret(moto):
    wrong = h.new_secret()
    assert wrong != moto.secret_access_key
    with pytest.raises(botocore.exceptions.ClientError) as info:
        _sts(moto, wrong).get_caller_identity()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    # ... and checking is still on for IAM too (the unsigned allowance is used up).
    iam = boto3.client("iam", endpoint_url=moto.endpoint_url, region_name="us-east-1",
                       aws_access_key_id=moto.access_key_id, aws_secret_access_key=wrong)
    with pytest.raises(botocore.exceptions.ClientError):
        iam.list_users()
