"""Writes a generated ~/.aws/config for the benchmark, as organisations generate theirs (one role profile
per account and role, from IAM Identity Center exports or their own scripts): the two bench profiles
and COUNT role profiles with region, role_arn, source_profile, mfa_serial and role_session_name, half of
them before the bench profiles and half after. Usage: bench_config.py PATH COUNT ROLE_ARN"""

import sys


def role_profile(index):
    account = 100000000000 + index * 7919
    return (
        f"[profile acct-{account}-role-{index:05d}]\n"
        f"region = eu-west-{1 + index % 3}\n"
        f"role_arn = arn:aws:iam::{account}:role/Dev{index % 17}\n"
        "source_profile = org-keys\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
        f"role_session_name = me-{index:05d}\n\n"
    )


def main():
    path, count, role_arn = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    bench = f"[profile bench-keys]\n\n[profile bench-role]\nrole_arn = {role_arn}\nsource_profile = bench-keys\n\n"
    with open(path, "w", encoding="utf-8") as file:
        file.write("[profile org-keys]\nregion = eu-west-1\n\n")
        for index in range(count // 2):
            file.write(role_profile(index))
        file.write(bench)
        for index in range(count // 2, count):
            file.write(role_profile(index))


if __name__ == "__main__":
    main()
