"""Creates an IAM user with an access key (and optionally roles) in a moto server, for the demo and the
benchmark. Prints shell `export` lines for the caller to eval: the key travels through the environment,
never through a file or a command line. Every request made here is one of moto's unsigned initial
requests (INITIAL_NO_AUTH_ACTION_COUNT); count them with --count."""

import argparse
import json

import boto3

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def trust_policy(external_id=None):
    """Any principal of the account may assume the role (moto matches principals literally, and role
    chaining presents assumed-role ARNs); with an external id, only callers that pass it."""
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--user", default="demo-user")
    parser.add_argument("--role", action="append", default=[], help="NAME or NAME=EXTERNAL_ID")
    parser.add_argument("--count", action="store_true", help="print how many requests this would make")
    args = parser.parse_args()
    requests = 3 + 2 * len(args.role)
    if args.count:
        print(requests)
        return
    iam = boto3.client(
        "iam",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIASETUPSETUPSETUP0",
        aws_secret_access_key="setup-setup-setup-setup-setup-setup-setu",
    )
    user = iam.create_user(UserName=args.user)["User"]
    iam.put_user_policy(UserName=args.user, PolicyName="all", PolicyDocument=POLICY)
    key = iam.create_access_key(UserName=args.user)["AccessKey"]
    for spec in args.role:
        role, _, external_id = spec.partition("=")
        arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(external_id))["Role"]["Arn"]
        iam.put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=POLICY)
        print(f"export ROLE_ARN_{role.replace('-', '_').upper()}={arn}")
    print(f"export DEMO_USER_ARN={user['Arn']}")
    print(f"export DEMO_ACCESS_KEY_ID={key['AccessKeyId']}")
    print(f"export DEMO_SECRET_ACCESS_KEY={key['SecretAccessKey']}")


if __name__ == "__main__":
    main()
