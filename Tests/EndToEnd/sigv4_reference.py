#!/usr/bin/env python3
"""Print the Authorization header botocore's SigV4Auth computes for one request.

Reads a JSON object on stdin:
  {"method": "POST", "url": "https://sts.us-east-1.amazonaws.com/",
   "headers": [["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"], ...],
   "body": "Action=GetCallerIdentity&Version=2011-06-15",
   "date": 1795999820,                       # seconds since the Unix epoch
   "credentials": {"access_key_id": "...", "secret_access_key": "...", "session_token": null},
   "region": "us-east-1", "service": "sts"}
and prints a JSON object with the headers botocore adds
  {"X-Amz-Date": ..., "X-Amz-Security-Token": ... (only with a token), "Authorization": ...}
so a test can compare them with what awskeyring-helper's SigV4Signer returns for the same input.
"""

import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> None:
    spec = json.load(sys.stdin)
    creds = spec["credentials"]
    credentials = Credentials(
        creds["access_key_id"], creds["secret_access_key"], creds.get("session_token")
    )
    request = AWSRequest(
        method=spec["method"], url=spec["url"], data=spec.get("body", "").encode("utf-8")
    )
    for name, value in spec.get("headers", []):
        request.headers[name] = value
    when = datetime.datetime.fromtimestamp(spec["date"], tz=datetime.timezone.utc).replace(tzinfo=None)
    signer = botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        signer.add_auth(request)
    added = {"X-Amz-Date": request.headers["X-Amz-Date"]}
    if credentials.token:
        added["X-Amz-Security-Token"] = request.headers["X-Amz-Security-Token"]
    added["Authorization"] = request.headers["Authorization"]
    json.dump(added, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
