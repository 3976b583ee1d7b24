"""`login`: the console sign-in URL through a fake federation endpoint on loopback
(AWSKEYRING_HELPER_FEDERATION_URL), which checks the session it receives: for a role profile, the
session's keys must work against moto's STS (a real assumed-role session); for plain keys, they must be
the federation token moto's GetFederationToken hands out (a call moto accepted only with a valid
signature of the stored keys).
"""

from __future__ import annotations

import json
import urllib.parse
from http.server import BaseHTTPRequestHandler

import pytest

import e2e_helpers as h
from e2e_helpers import assert_clean_failure, env_with, store_from_env
from moto_role import moto_with_role

# What moto's GetFederationToken answers with (fixed values).
MOTO_FEDERATION_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(scope="module")
def moto_login(tmp_path_factory):
    yield from moto_with_role(tmp_path_factory.mktemp("moto-login"))


class FakeFederation(h.LoopbackServer):
    """The federation endpoint's getSigninToken: records each request's query, checks the Session
    document's shape, and answers a sign-in token (or `status` when set)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.tokens: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
                record = {"path": url.path, "query": {k: v[0] for k, v in query.items()}}
                outer.requests.append(record)
                ok = record["query"].get("Action") == "getSigninToken" and outer.status == 200
                try:
                    session = json.loads(record["query"].get("Session", ""))
                    ok = ok and set(session) == {"sessionId", "sessionKey", "sessionToken"}
                    ok = ok and all(isinstance(v, str) and v for v in session.values())
                    record["session"] = session
                except ValueError:
                    ok = False
                token = "SIGNIN-" + h._secrets.token_urlsafe(24)
                body = json.dumps({"SigninToken": token}).encode() if ok else b"bad request"
                if ok:
                    outer.tokens.append(token)
                self.send_response(200 if ok else (outer.status if outer.status != 200 else 400))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.serve(Handler, path="/federation")


@pytest.fixture
def federation():
    fake = FakeFederation()
    yield fake
    fake.stop()


@pytest.fixture
def login_env(write_configs, moto_login, federation):
    base, role, chained = h.fresh_profile("lgbase"), h.fresh_profile("lgrole"), h.fresh_profile("lgchain")
    e = write_configs(config=(
        f"[profile {base}]\nregion = eu-central-1\n\n"
        f"[profile {role}]\nrole_arn = {moto_login.role_arn}\nsource_profile = {base}\n\n"
        f"[profile {chained}]\nrole_arn = {moto_login.role_arn}\nsource_profile = {role}\n"
    ))
    e = env_with(e, AWS_ENDPOINT_URL_STS=moto_login.url, AWSKEYRING_HELPER_FEDERATION_URL=federation.url,
                 AWS_PROFILE=None, AWS_DEFAULT_REGION=None, DISPLAY=None, WAYLAND_DISPLAY=None)
    r = store_from_env(e, base, moto_login.access_key_id, moto_login.secret_access_key)
    assert r.rc == 0, r.describe()
    return e, base, role, chained


def login_url(result: h.Result, federation: FakeFederation) -> dict:
    assert result.rc == 0, result.describe()
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n"), result.describe()
    url = urllib.parse.urlsplit(result.stdout.strip())
    assert f"{url.scheme}://{url.netloc}{url.path}" == federation.url
    query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
    assert query["Action"] == "login"
    assert query["SigninToken"] == federation.tokens[-1]
    # The sign-in token is a secret: never on stderr.
    assert federation.tokens[-1] not in result.stderr
    return query


def caller_arn(moto_url: str, session: dict) -> str:
    import boto3

    sts = boto3.client("sts", endpoint_url=moto_url, region_name="us-east-1",
                       aws_access_key_id=session["sessionId"], aws_secret_access_key=session["sessionKey"],
                       aws_session_token=session["sessionToken"])
    return sts.get_caller_identity()["Arn"]


def test_login_print_for_a_role_profile(login_env, federation, moto_login):
    e, _, role, _ = login_env
    r = h.tool(["login", "--profile", role, "--print"], e)
    query = login_url(r, federation)
    assert query["Destination"] == "https://console.aws.amazon.com/", query
    assert query["Issuer"] == "awskeyring-helper"
    [request] = federation.requests
    assert request["query"]["SessionDuration"] == "3600"
    session = request["session"]
    assert session["sessionId"].startswith("ASIA")
    assert ":assumed-role/e2e-server-role/" in caller_arn(moto_login.url, session)
    # A role assumed with role credentials: AWS refuses SessionDuration, so none is sent.
    r = h.tool(["login", "--profile", login_env[3], "--print", "--destination",
                "https://console.aws.amazon.com/s3/home"], e)
    query = login_url(r, federation)
    assert query["Destination"] == "https://console.aws.amazon.com/s3/home"
    assert "SessionDuration" not in federation.requests[-1]["query"]
    assert ":assumed-role/e2e-server-role/" in caller_arn(moto_login.url, federation.requests[-1]["session"])


def test_login_print_for_plain_keys_goes_through_get_federation_token(login_env, federation):
    e, base, _, _ = login_env
    r = h.tool(["login", "--profile", base, "--print", "--duration", "7200"], e)
    query = login_url(r, federation)
    assert query["Destination"] == "https://console.aws.amazon.com/console/home?region=eu-central-1"
    [request] = federation.requests
    # moto's GetFederationToken answer, which it gives only to a request signed with the stored keys.
    assert request["session"]["sessionId"] == MOTO_FEDERATION_KEY
    # A federation token's console session lasts as long as the token: no SessionDuration.
    assert "SessionDuration" not in request["query"]


def test_without_a_display_the_url_is_printed(login_env, federation):
    e, base, _, _ = login_env
    r = h.tool(["login", "--profile", base], e)
    login_url(r, federation)


FAKE_XDG_OPEN = """#!{python}
import json, sys, urllib.request, urllib.error
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(NoRedirect)
out = {{"argv": sys.argv[1:]}}
import time
for attempt in ("first", "second"):
    started = time.time()
    try:
        opener.open(sys.argv[1], timeout=20)
        out[attempt] = [200, None]
    except urllib.error.HTTPError as e:
        out[attempt] = [e.code, e.headers.get("Location")]
    except OSError:
        out[attempt] = [0, None]  # the helper has closed the port
    out[attempt + "-seconds"] = time.time() - started
open({record!r} + ".tmp", "w").write(json.dumps(out))
import os
os.rename({record!r} + ".tmp", {record!r})
"""


def test_with_a_display_xdg_open_gets_a_one_time_redirect_not_the_token(login_env, federation, tmp_path):
    e, base, _, _ = login_env
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "xdg-open.json"
    fake = bindir / "xdg-open"
    fake.write_text(FAKE_XDG_OPEN.format(python=h.sys.executable, record=str(record)))
    fake.chmod(0o755)
    r = h.tool(["login", "--profile", base], env_with(e, DISPLAY=":99", PATH=f"{bindir}:{e['PATH']}"))
    assert r.rc == 0, r.describe()
    assert r.stdout == "", "the URL is opened, not printed"
    h._wait_for(record.exists, 30, "the fake xdg-open to finish")
    out = json.loads(record.read_text())
    [opened] = out["argv"]
    token = federation.tokens[-1]
    assert opened.startswith("http://127.0.0.1:") and token not in opened
    status, location = out["first"]
    assert status == 302
    query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).items()}
    assert query["SigninToken"] == token and query["Action"] == "login"
    # One use only.
    assert out["second"] in ([404, None], [0, None]), out
    assert out["second-seconds"] < h.well_under(20), out  # refused at once, not the client's 20 s timeout


def test_a_failing_or_missing_xdg_open_says_to_use_print(login_env, federation, tmp_path):
    e, base, _, _ = login_env
    bindir = tmp_path / "bin"
    bindir.mkdir()
    r = h.tool(["login", "--profile", base], env_with(e, DISPLAY=":99", PATH=str(bindir)))
    assert_clean_failure(r, mentions=["xdg-open", "--print"])
    (bindir / "xdg-open").write_text("#!/bin/sh\nexit 3\n")
    (bindir / "xdg-open").chmod(0o755)
    r = h.tool(["login", "--profile", base], env_with(e, DISPLAY=":99", PATH=f"{bindir}:/usr/bin:/bin"), timeout=20)
    assert_clean_failure(r, mentions=["xdg-open could not open a browser", "--print"])
    assert all(token not in r.stderr for token in federation.tokens)


def test_login_failures(login_env, federation, tmp_path):
    e, base, role, _ = login_env
    federation.status = 403
    r = h.tool(["login", "--profile", role, "--print"], e)
    assert_clean_failure(r, mentions=["federation endpoint", "403"])
    missing = h.fresh_profile("nokeys")
    r = h.tool(["login", "--profile", missing, "--print"], e)
    assert_clean_failure(r, mentions=[f"awskeyring-helper store --profile {missing}"])
    r = h.tool(["login", "--profile", base, "--print"],
               env_with(e, AWSKEYRING_HELPER_FEDERATION_URL="http://example.com/federation"))
    assert_clean_failure(r, mentions=["AWSKEYRING_HELPER_FEDERATION_URL", "https"])
    r = h.tool(["login", "--profile", base, "--print", "--duration", "60"], e)
    assert_clean_failure(r, mentions=["--duration"])
    r = h.tool(["login", "--profile", role, "--print", "--duration", "50000"], e)
    assert_clean_failure(r, mentions=["--duration"])
