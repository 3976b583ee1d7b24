"""The table of tricky AWS config / credentials files for `explain --json`.

Each case is (config bytes or None, credentials bytes or None); None means the file does not exist.
Whether a case is valid, and the expected map of every profile, come from botocore at test time
(`e2e_helpers.botocore_view`): nothing here is an expectation. The `intent` only documents what the
case is about (and `test_table_covers_both_kinds` checks the table still holds valid and invalid files).

Byte-exact cases (CRLF, trailing whitespace, BOM, invalid UTF-8, tabs) are written inline as bytes so
that editors and git cannot change them; larger readable files live in configs/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIGS = Path(__file__).parent / "configs"


@dataclass(frozen=True)
class Case:
    id: str
    config: bytes | None
    credentials: bytes | None = None
    intent: str = "valid"  # "valid" or "invalid": documentation only; botocore decides


def b(text: str) -> bytes:
    return text.encode("utf-8")


def _file(name: str) -> bytes:
    return (CONFIGS / name).read_bytes()


CASES: list[Case] = [
    # --- basics and delimiters -------------------------------------------------------------------
    Case("basic", b("[default]\nregion = us-east-1\noutput=json\n\n[profile dev]\nregion: eu-west-1\n")),
    Case("delimiters", b(
        "[default]\n"
        "a = b\n"
        "c: d\n"
        "e=f\n"
        "g:h\n"
        "i = j:k\n"          # first delimiter wins: option i, value 'j:k'
        "l : m=n\n"          # option l, value 'm=n'
        "url = http://example.com:8080/x?y=z\n"
        "o:=p\n"             # option o, value '=p'
        "q =  \n"            # empty value
        "my key = spaced name\n"
        "dotted.key.name = 1\n"
    )),
    Case("option-names-are-lower-cased", b(
        "[default]\n"
        "Region = us-west-2\n"
        "AWS_ACCESS_KEY_ID = AKIAEXAMPLEEXAMPLE\n"
        "Output: TEXT\n"
        "ÄÖÜ = umlauts\n"
        "[profile Mixed]\n"  # section names keep their case
        "REGION = eu-central-1\n"
        "[Profile Upper]\n"  # 'Profile' is not 'profile': not a profile
        "region = nowhere\n"
    )),
    # --- comments --------------------------------------------------------------------------------
    Case("comments", b(
        "# leading comment\n"
        "; another\n"
        "[default]\n"
        "# comment\n"
        "   # indented hash comment\n"
        "\t; tab-indented semicolon comment\n"
        "region = us-east-1 # not a comment\n"
        "output = json ; not a comment either\n"
        "#[profile hidden]\n"
        "#region = overridden?\n"
        "color = #fff\n"
        "note = ;semicolon\n"
        "[profile after]   \n"
        ";x = y\n"
        "k = v\n"
    )),
    # --- continuation lines ----------------------------------------------------------------------
    Case("continuation-lines", b(
        "[default]\n"
        "multi = first\n"
        "  second\n"
        "\tthird tab\n"
        "      fourth deep\n"
        "next = value\n"
        "[profile blanks]\n"
        "a = one\n"
        "\n"
        "  two after a blank line\n"
        "\n"
        "\n"
        "b = trailing blank lines are stripped\n"
        "\n"
        "\n"
        "[profile comments-inside]\n"
        "a = one\n"
        "  # an indented comment is dropped\n"
        "  two\n"
        "# an unindented comment is dropped too\n"
        "  three\n"
        "b = x\n"
    )),
    Case("indentation-rules", b(
        "[default]\n"
        "  indented_first = options may be indented right after the header\n"
        "  indented_second = same indent: a new option\n"
        "[profile deeper]\n"
        "region = us-east-1\n"
        "  output = json\n"          # deeper than the option line: part of region's value
        "[profile header-inside]\n"
        "key = value\n"
        "   [profile swallowed]\n"   # deeper than the option line: a continuation, not a section
        "other = x\n"
        "[profile blank-then-indent]\n"
        "a = b\n"
        "\n"
        "  c = d\n"                 # still a continuation of a after the blank line
    )),
    # --- nested blocks ---------------------------------------------------------------------------
    Case("nested-blocks", b(
        "[default]\n"
        "region = us-east-1\n"
        "s3 =\n"
        "  max_concurrent_requests = 20\n"
        "  addressing_style=path\n"
        "  Signature_Version = s3v4\n"   # nested keys keep their case
        "  endpoint_url = http://localhost:9000\n"
        "  a = b = c\n"
        "  empty =\n"
        "  dup = first\n"
        "  dup = second\n"
        "dynamodb = \n"                 # trailing space after '=': still a nested block
        "\n"
        "  # comment inside\n"
        "  endpoint_url=http://localhost:8000\n"
        "\n"
        "  retries = 3\n"
        "output = json\n"
        "empty_block =\n"
        "[profile tabbed]\n"
        "s3 =\n"
        "\tuse_accelerate_endpoint = true\n"
        "\t  payload_signing_enabled\t=\tfalse\n"
    )),
    # --- [DEFAULT] -------------------------------------------------------------------------------
    Case("DEFAULT-section", b(
        "[profile a]\n"
        "region = us-west-1\n"
        "[DEFAULT]\n"
        "region = default-region\n"
        "output = json\n"
        "s3 =\n"
        "  addressing_style = virtual\n"
        "[default]\n"
        "cli_pager =\n"
        "[sso-session s]\n"
        "sso_region = us-east-1\n"
        "[services dev]\n"
        "sts =\n"
        "  endpoint_url = http://localhost:1\n"
        "[DEFAULT]\n"                   # a second [DEFAULT] is merged, not a duplicate
        "retry_mode = standard\n"
        "[Default]\n"                   # neither 'DEFAULT' nor 'default': not a profile
        "x = y\n"
    )),
    Case("DEFAULT-only", b("[DEFAULT]\nregion = us-east-1\n")),
    # --- section names ---------------------------------------------------------------------------
    Case("quoted-profile-names", b(
        "[profile \"my name\"]\n"
        "region = a\n"
        "[profile 'x']\n"
        "region = b\n"
        "[profile \"it's\"]\n"
        "region = c\n"
        "[profile a\\ b\\ c]\n"
        "region = d\n"
        "[profile \"q\"r]\n"
        "region = e\n"
        "[profile    spaced]\n"
        "region = f\n"
        "[profile\ttabbed]\n"
        "region = g\n"
    )),
    Case("section-name-edge-cases", b(
        "[profilefoo bar]\n"        # starts with 'profile', two words: profile 'bar'
        "region = bar-region\n"
        "[profile a b]\n"           # three words: not a profile
        "region = nope\n"
        "[profile]\n"               # one word: not a profile
        "region = nope\n"
        "[profile \"unterminated]\n"  # shell-splitting fails: not a profile
        "region = nope\n"
        "[profiles x]\n"            # 'profiles' starts with 'profile': profile 'x'
        "region = x-region\n"
        "[preview]\n"
        "cloudfront = true\n"
        "[ default ]\n"             # ' default ' is not 'default'
        "region = nope\n"
        "[profile trailing] junk after the bracket\n"
        "region = t\n"
        "[profile with]bracket]\n"
        "region = w\n"
        "[profile hash#name]\n"
        "region = h\n"
    )),
    Case("default-then-profile-default", b(
        "[default]\nregion = from-default\noutput = json\n"
        "[profile default]\nregion = from-profile-default\n"
    )),
    Case("profile-default-then-default", b(
        "[profile default]\nregion = from-profile-default\nretry_mode = adaptive\n"
        "[default]\nregion = from-default\n"
    )),
    Case("same-profile-two-spellings", b(
        "[profile x]\nregion = first\nonly_first = 1\n"
        "[profile \"x\"]\nregion = second\n"
    )),
    Case("services-and-sso-sessions", b(
        "[profile dev]\n"
        "services = my-services\n"
        "sso_session = my-sso\n"
        "region = us-east-1\n"
        "[services my-services]\n"
        "sts =\n"
        "  endpoint_url = http://localhost:4566\n"
        "s3 =\n"
        "  endpoint_url = http://localhost:4567\n"
        "[services x]\n"
        "endpoint_url = http://x\n"
        "[sso-session my-sso]\n"
        "sso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "[services]\n"
        "x = y\n"
    )),
    # --- the credentials file --------------------------------------------------------------------
    Case("credentials-override-and-add", b(
        "[default]\n"
        "region = us-east-1\n"
        "aws_access_key_id = AKIACONFIGCONFIG0000\n"
        "[profile shared]\n"
        "region = config-region\n"
        "output = json\n"
        "s3 =\n"
        "  addressing_style = path\n"
    ), b(
        "[default]\n"
        "aws_access_key_id = AKIACREDSCREDS000000\n"
        "[shared]\n"
        "Region = creds-region\n"
        "s3 =\n"
        "  signature_version = s3v4\n"
        "[only-in-credentials]\n"
        "aws_access_key_id = AKIAONLYCREDS0000000\n"
        "[profile in-creds]\n"          # in the credentials file this is profile 'profile in-creds'
        "region = r\n"
    )),
    Case("credentials-DEFAULT", b("[profile a]\nregion = config\n"), b(
        "[DEFAULT]\n"
        "region = from-creds-DEFAULT\n"
        "[a]\n"
        "output = text\n"
        "[b]\n"
        "x = 1\n"
    )),
    Case("credentials-only", None, b("[default]\naws_access_key_id = AKIAONLY000000000000\n[other]\nregion = eu-west-1\n")),
    Case("config-only-no-credentials", b("[profile lonely]\nregion = ap-south-1\n"), None),
    # --- line endings, whitespace, unicode, tabs -------------------------------------------------
    Case("crlf", b(
        "[default]\r\nregion = us-east-1\r\ns3 =\r\n  addressing_style = path\r\n"
        "[profile crlf]\r\nmulti = a\r\n  b\r\n\r\nlast = x\r\n"
    ), b("[crlf]\r\noutput = json\r\n")),
    Case("mixed-line-endings", b("[default]\r\nregion = a\n[profile lone-cr]\routput = json\rregion = b\r\n")),
    Case("trailing-whitespace", b(
        "[default]   \n"
        "region = us-east-1   \n"
        "output\t=\tjson\t\t\n"
        "   \n"
        "s3 =   \n"
        "  addressing_style = path   \n"
        "[profile  ws ]  \n"
        "key =   lots of   inner   space   \n"
    )),
    Case("unicode", b(
        "[default]\n"
        "greeting = héllo wörld ✓ 日本語 🚀\n"
        "[profile café]\n"
        "region = eu-west-3\n"
        "[profile 日本]\n"
        "region = ap-northeast-1\n"
        "[profile \"emoji 🚀\"]\n"
        "région = accent-in-key\n"
        "ÉCOLE = upper-case-non-ascii-key\n"
    )),
    Case("unicode-whitespace", b(
        "[default]\n"
        "region =\u00a0us-east-1\u00a0\n"       # no-break spaces around the value are stripped
        "\u00a0output = json\n"                  # a no-break space is indentation
        "[profile nbsp]\n"
        "a = b\n"
        "\u00a0\u00a0c\n"                        # ... so this is a continuation line
    )),
    Case("tabs", b(
        "[default]\n"
        "region\t=\tus-east-1\n"
        "\toutput = json\n"
        "[profile\t\"tab name\"]\n"
        "key\t:\tvalue\twith\ttabs\n"
        "multi = a\n"
        "\tb\n"
    )),
    Case("no-interpolation", b(
        "[default]\n"
        "percent = 100%\n"
        "dollar = ${HOME}/x\n"
        "interp = %(region)s\n"
        "region = r\n"
        "tilde = ~/file\n"
        "quoted = \"double\" 'single'\n"
        "backslash = C:\\path\\to\n"
    )),
    Case("empty-file", b("")),
    Case("only-comments-and-blank-lines", b("# nothing here\n\n; still nothing\n   \n")),
    Case("no-trailing-newline", b("[default]\nregion = us-east-1")),
    Case("realistic", _file("realistic.config"), _file("realistic.credentials")),
    # --- Python string semantics botocore inherits (str.strip, str.lower, str.splitlines, shlex) ---
    Case("line-separators-in-nested-block", b(
        "[default]\n"
        "s3 =\n"
        "  a = b\u2028c = d\n"      # str.splitlines() also splits on U+2028, VT, FF, U+0085 ...
        "  e = f\x0bg = h\x0ci = j\n"
        "  k = l\x85m = n\n"
        "plain = x\u2028y\n"        # ... but only nested blocks are split
    )),
    Case("python-whitespace", b(
        "[default]\n"
        "region = x\x1c\n"          # U+001C..U+001F count as whitespace for str.strip()
        "\x1dk = v\n"               # ... and as indentation
        "a = b\n"
        "\u3000c\n"                 # ideographic space: indentation too
    )),
    Case("unicode-lower-casing", b(
        "[default]\n"
        "İSTANBUL = dotted capital I lower-cases to two code points\n"
        "ẞ = capital sharp s\n"
        "ΟΔΟΣ = final sigma\n"
        "ǅ = titlecase digraph\n"
    )),
    Case("nul-in-value", b("[default]\na = b\x00c\n")),
    Case("bom-not-at-start", b("[default]\n\ufeffregion = x\n")),
    Case("more-section-names", b(
        "[profile \"a\\\"b\"]\n"       # an escaped quote inside double quotes
        "region = escaped\n"
        "[profile \"a\" \"b\"]\n"      # three words
        "region = nope\n"
        "[profile 'a\\'b']\n"           # unterminated single quote: not a profile
        "region = nope\n"
        "[profile a=b]\n"
        "region = equals\n"
        "[profile\u00a0nbsp]\n"          # shlex does not split on a no-break space: one word
        "region = nope\n"
        "[ profile spaced ]\n"
        "region = nope\n"
        "[profile x]\n"
        "region = first\n"
        "[profile  x]\n"                 # a different section naming the same profile: replaces it
        "region = second\n"
    )),
    Case("nested-edge-cases", b(
        "[DEFAULT]\n"
        "s3 =\n"
        "  from_default = yes\n"
        "[default]\n"
        "s3 = flat value overrides the DEFAULT block\n"
        "dynamodb =\n"
        "  = empty key\n"
        "  my key = spaced key\n"
        "  # comment only\n"
        "empty_nested =\n"
        "  # only a comment: not a block\n"
        "[profile inherits]\n"
        "region = r\n"
    )),
    Case("odd-lines", b(
        "  [default]\n"                  # an indented first header
        "http://host = y\n"             # the first ':' is the delimiter
        "a = [b]\n"
        "c = d\n"
        "\t\n"                           # a whitespace-only line inside a continuation
        "  e\n"
        "[profile odd] = y\n"            # a header: text after the last ']' is ignored
        "k = v\n"
    )),
    # --- files botocore rejects ------------------------------------------------------------------
    Case("invalid-duplicate-section", b("[default]\nregion = a\n\n[default]\noutput = json\n"), intent="invalid"),
    Case("invalid-duplicate-profile-section", b("[profile x]\na = 1\n[profile y]\n[profile x]\nb = 2\n"),
         intent="invalid"),
    Case("invalid-duplicate-option", b("[default]\nregion = a\noutput = json\nregion = b\n"), intent="invalid"),
    Case("invalid-duplicate-option-case", b("[default]\nRegion = a\nregion = b\n"), intent="invalid"),
    Case("invalid-duplicate-option-delimiters", b("[default]\nregion = a\nregion: b\n"), intent="invalid"),
    Case("invalid-duplicate-option-in-DEFAULT", b("[DEFAULT]\na = 1\n[default]\n[DEFAULT]\na = 2\n"),
         intent="invalid"),
    Case("invalid-no-delimiter", b("[default]\nregion = a\njust some words\noutput = json\n"), intent="invalid"),
    Case("invalid-several-bad-lines", b("[default]\nfirst bad line\nok = 1\n[profile b]\nsecond bad line\n"),
         intent="invalid"),
    Case("invalid-empty-option-name", b("[default]\n= value\n"), intent="invalid"),
    Case("invalid-empty-brackets", b("[default]\nregion = a\n[]\n"), intent="invalid"),
    Case("invalid-text-before-first-section", b("region = us-east-1\n[default]\n"), intent="invalid"),
    Case("invalid-text-after-comments-before-section", b("# comment\n\nregion = x\n[default]\n"), intent="invalid"),
    Case("invalid-utf8", b("[default]\nregion = ") + b"\xff\xfe\xc3\x28" + b("\n"), intent="invalid"),
    Case("invalid-latin1", b("[default]\n") + "name = café\n".encode("latin-1"), intent="invalid"),
    Case("invalid-bom", b"\xef\xbb\xbf" + b("[default]\nregion = us-east-1\n"), intent="invalid"),
    Case("invalid-bom-only", b"\xef\xbb\xbf", intent="invalid"),
    Case("invalid-utf8-surrogate", b("[default]\nregion = ") + b"\xed\xa0\x80\n", intent="invalid"),
    Case("invalid-utf8-overlong", b("[default]\nregion = ") + b"\xc0\x80\n", intent="invalid"),
    Case("invalid-utf8-above-max", b("[default]\nregion = ") + b"\xf4\x90\x80\x80\n", intent="invalid"),
    Case("invalid-utf8-truncated-at-end", b("[default]\nregion = ") + b"\xe2\x82", intent="invalid"),
    Case("invalid-utf8-in-a-comment", b("[default]\n# caf") + b"\xe9" + b("\nregion = x\n"), intent="invalid"),
    Case("invalid-utf16", "[default]\nregion = x\n".encode("utf-16"), intent="invalid"),
    Case("invalid-nul-line", b("[default]\n\x00\n"), intent="invalid"),
    Case("invalid-duplicate-option-cr-line-endings", b("[default]\rregion = a\rregion = b\r"), intent="invalid"),
    Case("invalid-nested-line-without-equals", b("[default]\ns3 =\n  addressing_style = path\n  nonsense\n"),
         intent="invalid"),
    Case("invalid-nested-colon", b("[default]\ns3 =\n  addressing_style: path\n"), intent="invalid"),
    Case("invalid-nested-in-credentials", b("[default]\nregion = a\n"), b("[default]\ns3 =\n  oops\n"),
         intent="invalid"),
    Case("invalid-credentials-duplicate-section", b("[default]\nregion = a\n"), b("[a]\nx = 1\n[a]\ny = 2\n"),
         intent="invalid"),
    Case("invalid-credentials-binary", b("[default]\nregion = a\n"), bytes(range(256)), intent="invalid"),
    Case("invalid-binary-config", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\xff\xd8", intent="invalid"),
]
