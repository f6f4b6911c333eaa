#!/usr/bin/env python3
"""Generate fixtures/secrets/: fake secrets embedded in realistic log lines, and clean lines.

Writes (deterministically, fixed seed):
  secrets.log   one log line per line, each holding one or more fake secrets
  secrets.tsv   line<TAB>kind<TAB>secret: every secret substring and the kind the redactor
                must report for it (kind names as in the audit, snake_case)
  clean.log     ordinary log lines that the default configuration must leave unchanged

All values are fake: random characters in the shape of real credentials, with valid
checksums where the format has one (Luhn for cards) and JWT headers that decode to JSON.

Usage: python3 scripts/gen-secrets-fixture.py [output-dir]   (default fixtures/secrets)
"""

import base64
import json
import os
import random
import string
import sys

SEED = 20240607
rng = random.Random(SEED)

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


def r(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(n):
    """Random alphanumerics with at least one digit, upper and lower (real tokens always have)."""
    while True:
        s = r(ALNUM, n)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s):
            return s


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ts():
    return "2024-06-%02dT%02d:%02d:%02d.%03dZ" % (
        rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999))


def level():
    return rng.choice(["INFO", "WARN", "ERROR", "DEBUG"])


def svc():
    return rng.choice(["api-gateway", "billing", "auth-svc", "worker", "scheduler", "deployer", "ingest", "web"])


def prefix():
    return f"{ts()} {level()} [{svc()}]"


def luhn_complete(partial: str) -> str:
    digits = [int(c) for c in partial + "0"]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    check = (10 - total % 10) % 10
    return partial + str(check)


def card(prefix_digits: str, length: int) -> str:
    body = prefix_digits + r(DIGITS, length - len(prefix_digits) - 1)
    return luhn_complete(body)


def group(num: str, sep: str) -> str:
    if len(num) == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i:i + 4] for i in range(0, len(num), 4))


def jwt():
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": str(rng.randint(10000, 99999)), "iat": 1717000000 + rng.randint(0, 99999),
               "scope": rng.choice(["read", "read write", "admin"])}
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64url(bytes(rng.getrandbits(8) for _ in range(32)))
    return f"{h}.{p}.{sig}"


def password():
    words = ["hunter", "Winter", "Summer", "dragon", "Passw0rd", "letmein", "Tr0ub4dor", "monkey", "shadow"]
    return rng.choice(words) + str(rng.randint(10, 9999)) + rng.choice(["!", "#", "", "$", "@"])


def user():
    return rng.choice(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "svc_deploy", "admin"])


def email():
    domains = ["example.com", "example.org", "corp.example.net", "mail.example.io", "example.co.uk"]
    return f"{user()}.{r(LOWER, 4)}@{rng.choice(domains)}"


# Each generator returns (line, [(kind, secret), ...]).
def gen_aws_id():
    k = rng.choice(["AKIA", "ASIA"]) + r(UPPER + "234567", 16)
    line = rng.choice([
        f"{prefix()} assuming role with access key {k} for s3:GetObject",
        f"{prefix()} AWS_ACCESS_KEY_ID={k} region=eu-west-1",
        f'{prefix()} {{"event":"sts.AssumeRole","accessKeyId":"{k}","region":"us-east-1"}}',
    ])
    return line, [("aws_access_key_id", k)]


def gen_aws_secret():
    k = r(B64[:-2] + "/+", 40)
    line = rng.choice([
        f"{prefix()} loaded credentials aws_secret_access_key={k} profile=default",
        f"{prefix()} env AWS_SECRET_ACCESS_KEY={k}",
        f'{prefix()} {{"Credentials":{{"SecretAccessKey":"{k}","Expiration":"2024-06-08T00:00:00Z"}}}}',
    ])
    return line, [("aws_secret_key", k)]


def gen_github():
    pfx = rng.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
    k = pfx + mixed(36)
    line = rng.choice([
        f"{prefix()} git clone failed: remote rejected token {k}",
        f"{prefix()} using GITHUB_TOKEN {k} for api.github.com",
        f"{prefix()} POST /repos/acme/app/dispatches with header x-github-token: {k}",
    ])
    return line, [("github_token", k)]


def gen_github_pat():
    k = "github_pat_" + mixed(22) + "_" + mixed(59)
    return f"{prefix()} configured fine-grained token {k} for org acme", [("github_token", k)]


def gen_gitlab():
    k = "glpat-" + r(ALNUM + "-_", 20)
    return rng.choice([
        f"{prefix()} gitlab runner registered with {k}",
        f"{prefix()} PRIVATE-TOKEN {k} rejected by gitlab.example.com",
    ]), [("gitlab_token", k)]


def gen_slack():
    k = rng.choice(["xoxb-", "xoxp-", "xoxa-", "xoxr-"]) + f"{rng.randint(10**10, 10**11)}-{rng.randint(10**10, 10**11)}-{mixed(24)}"
    return rng.choice([
        f"{prefix()} slack notifier init token={k} channel=#alerts",
        f"{prefix()} posting to slack with bot token {k}",
    ]), [("slack_token", k)]


def gen_slack_webhook():
    path = f"T{r(UPPER + DIGITS, 8)}/B{r(UPPER + DIGITS, 10)}/{mixed(24)}"
    return f"{prefix()} alert sent to https://hooks.slack.com/services/{path} status=200", [("slack_webhook", path)]


def gen_stripe():
    k = rng.choice(["sk_live_", "rk_live_", "pk_live_"]) + mixed(24)
    return rng.choice([
        f"{prefix()} stripe client created with key {k}",
        f"{prefix()} charge failed: invalid API key provided: {k}",
    ]), [("stripe_key", k)]


def gen_google():
    k = "AIza" + r(ALNUM + "-_", 35)
    return f"{prefix()} GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={k} 200", [("google_api_key", k)]


def gen_openai():
    if rng.random() < 0.5:
        k = "sk-" + mixed(48)
    else:
        k = "sk-proj-" + mixed(40) + "_" + mixed(20)
    return rng.choice([
        f"{prefix()} openai request failed 401 for key {k}",
        f"{prefix()} OPENAI_API_KEY={k} model=gpt-4o-mini",
    ]), [("openai_key", k)]


def gen_npm():
    k = "npm_" + mixed(36)
    return f"{prefix()} npm publish: //registry.npmjs.org/:_authToken={k}", [("npm_token", k)]


def gen_jwt():
    t = jwt()
    return rng.choice([
        f"{prefix()} session restored from cookie jwt {t}",
        f'{prefix()} {{"msg":"token issued","id_token":"{t}"}}',
        f"{prefix()} forwarding upstream with x-jwt-assertion {t}",
    ]), [("jwt", t)]


def gen_bearer():
    t = mixed(32) + "." + mixed(12)
    return rng.choice([
        f"{prefix()} request headers: Authorization: Bearer {t}",
        f"{prefix()} retrying with bearer {t} after 401",
        f'{prefix()} {{"headers":{{"authorization":"Bearer {t}","accept":"*/*"}}}}',
    ]), [("auth_header", t)]


def gen_basic():
    creds = base64.b64encode(f"{user()}:{password()}".encode()).decode()
    return f"{prefix()} proxy auth header Proxy-Authorization: Basic {creds}", [("auth_header", creds)]


def gen_cookie():
    sid = mixed(40)
    return f"{prefix()} upstream response Set-Cookie: session={sid}; Path=/; HttpOnly", [("auth_header", sid)]


def gen_private_key():
    body = r(B64, 64)
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
    if rng.random() < 0.5:
        line = f'{prefix()} {{"tls_key":"-----BEGIN {kind}-----\\n{body}\\n{r(B64, 64)}\\n-----END {kind}-----\\n"}}'
    else:
        line = f"{prefix()} dumping config: ssh_key=-----BEGIN {kind}----- {body}"
    return line, [("private_key", body)]


def gen_password_kv():
    pw = password()
    key = rng.choice(["password", "passwd", "pwd", "db_password", "DB_PASSWORD", "Password", "smtp_password", "spring.datasource.password"])
    form = rng.choice(["eq", "colon", "json", "jsonsp", "url", "xml", "flag"])
    if form == "eq":
        line = f"{prefix()} connecting to db host=db-01 user={user()} {key}={pw} sslmode=require"
    elif form == "colon":
        line = f"{prefix()} config dump {key}: {pw}"
    elif form == "json":
        line = f'{prefix()} {{"user":"{user()}","{key}":"{pw}","remember":true}}'
    elif form == "jsonsp":
        line = f'{prefix()} request body {{"username": "{user()}", "{key}": "{pw}"}}'
    elif form == "url":
        line = f"{prefix()} POST /login?user={user()}&{key}={pw}&next=/home 302"
    elif form == "xml":
        line = f"{prefix()} SOAP request <auth><user>{user()}</user><password>{pw}</password></auth>"
    else:
        line = f"{prefix()} exec: mysql -u root --password {pw} -h 10.1.2.3"
    return line, [("credential_value", pw)]


def gen_other_kv():
    key = rng.choice(["secret", "token", "api_key", "apikey", "access_key", "client_secret", "auth_token",
                      "refresh_token", "X-Api-Key", "x-auth-token", "private_key"])
    v = mixed(rng.choice([16, 24, 32, 40]))
    form = rng.choice(["eq", "colon", "json", "query"])
    if form == "eq":
        line = f"{prefix()} oauth client init client_id=web-{r(DIGITS, 5)} {key}={v}"
    elif form == "colon":
        line = f"{prefix()} header {key}: {v}"
    elif form == "json":
        line = f'{prefix()} {{"integration":"pagerduty","{key}": "{v}"}}'
    else:
        line = f"{prefix()} GET /v1/export?{key}={v}&format=csv 200 12ms"
    return line, [("credential_value", v)]


def gen_generic():
    key = rng.choice(["signing_key", "encryption_key", "master_key", "hmac", "X-Signature", "session_id", "passphrase"])
    v = rng.choice([r(HEX, 64), mixed(32)])
    return rng.choice([
        f"{prefix()} webhook verify {key}={v} ok=false",
        f"{prefix()} request {key}: {v}",
    ]), [("generic_secret", v)]


def gen_url():
    pw = password().replace("@", "").replace("#", "").replace("$", "")
    u = user()
    scheme = rng.choice(["postgres", "postgresql", "mysql", "mongodb+srv", "redis", "rediss", "amqp", "amqps", "https", "ftp"])
    if scheme.startswith("redis") and rng.random() < 0.5:
        url = f"{scheme}://:{pw}@cache-01.internal:6379/0"
    elif scheme.startswith("mongodb"):
        url = f"{scheme}://{u}:{pw}@cluster0.ab12c.mongodb.net/app?retryWrites=true"
    else:
        url = f"{scheme}://{u}:{pw}@db-{rng.randint(1, 9)}.example.internal:{rng.randint(1000, 9999)}/app"
    return rng.choice([
        f"{prefix()} connecting to {url}",
        f"{prefix()} connection failed dsn={url} err=timeout",
    ]), [("url_credential", pw)]


def gen_card():
    kind = rng.choice([("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                       ("6011", 16), ("65", 16), ("3528", 16), ("62", 19), ("36", 14)])
    num = card(*kind)
    fmt = rng.choice(["plain", "space", "dash"]) if len(num) in (15, 16) else "plain"
    shown = num if fmt == "plain" else group(num, " " if fmt == "space" else "-")
    return rng.choice([
        f"{prefix()} payment declined card={shown} amount=49.99 currency=EUR",
        f"{prefix()} tokenizing pan {shown} for customer cus_{r(LOWER + DIGITS, 10)}",
        f'{prefix()} {{"event":"checkout","card_number":"{shown}","exp":"12/27"}}',
    ]), [("card_number", shown)]


def gen_email():
    e = email()
    return rng.choice([
        f"{prefix()} password reset requested for {e}",
        f"{prefix()} smtp: 550 mailbox unavailable <{e}>",
        f'{prefix()} {{"event":"signup","email":"{e}","plan":"pro"}}',
        f"{prefix()} user {e} logged in from web",
    ]), [("email", e)]


GENERATORS = [
    (gen_aws_id, 6), (gen_aws_secret, 5), (gen_github, 6), (gen_github_pat, 2), (gen_gitlab, 4),
    (gen_slack, 4), (gen_slack_webhook, 3), (gen_stripe, 5), (gen_google, 4), (gen_openai, 6),
    (gen_npm, 3), (gen_jwt, 7), (gen_bearer, 6), (gen_basic, 3), (gen_cookie, 2),
    (gen_private_key, 5), (gen_password_kv, 14), (gen_other_kv, 10), (gen_generic, 6), (gen_url, 9),
    (gen_card, 10), (gen_email, 8),
]


def secret_lines():
    items = []
    for gen, n in GENERATORS:
        for _ in range(n):
            items.append(gen())
    # Lines with two secrets of different kinds.
    for _ in range(6):
        (l1, s1), (l2, s2) = gen_email(), gen_password_kv()
        pw = s2[0][1]
        e = s1[0][1]
        items.append((f"{prefix()} signup {e} chose password={pw} via web", [("email", e), ("credential_value", pw)]))
    rng.shuffle(items)
    return items


def uuid():
    h = r(HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def ip():
    return f"{rng.choice([10, 172, 192])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def non_card_16():
    # 16 digits that must not be taken as a card: a non-issuer prefix, or a Luhn failure.
    if rng.random() < 0.5:
        return rng.choice("1789") + r(DIGITS, 15)
    n = card("4", 16)
    last = (int(n[-1]) + rng.randint(1, 9)) % 10
    return n[:-1] + str(last)


CLEAN_TEMPLATES = [
    lambda: f"{prefix()} request_id={uuid()} method=GET path=/api/v1/orders/{rng.randint(1, 99999)} status=200 duration_ms={rng.randint(1, 900)}",
    lambda: f"{prefix()} deployed commit {r(HEX, 40)} to production in {rng.randint(10, 300)}s",
    lambda: f"{prefix()} image sha256:{r(HEX, 64)} pulled",
    lambda: f"{prefix()} cache hit key=md5:{r(HEX, 32)} size={rng.randint(100, 99999)}",
    lambda: f"081109 {rng.randint(100000, 235959)} {rng.randint(1, 999)} INFO dfs.DataNode$PacketResponder: Received block blk_-{rng.randint(10**18, 9 * 10**18)} of size 67108864 from /{ip()}",
    lambda: f"{prefix()} pod web-{r(HEX, 10)}-{r(LOWER + DIGITS, 5)} in namespace prod restarted ({rng.randint(1, 9)} times)",
    lambda: f"{prefix()} connection from {ip()}:{rng.randint(1024, 65535)} accepted",
    lambda: f"{prefix()} reading /var/lib/app/data/{r(LOWER, 6)}/{rng.randint(1, 99)}.parquet ({rng.randint(1, 999)} MB)",
    lambda: f"{prefix()} slow query ({rng.randint(500, 9000)} ms): SELECT id, email_verified, created_at FROM users WHERE org_id = $1 AND deleted_at IS NULL",
    lambda: f"{prefix()} executing UPDATE sessions SET last_seen = now() WHERE token = $1",
    lambda: f"{prefix()} GET https://api.example.com/v2/items?page={rng.randint(1, 50)}&sort=asc&limit=100 200",
    lambda: f'{ip()} - - [07/Jun/2024:10:{rng.randint(10, 59)}:{rng.randint(10, 59)} +0000] "GET /static/app.{r(HEX, 8)}.js HTTP/1.1" 200 {rng.randint(1000, 99999)} "-" "Mozilla/5.0"',
    lambda: f"{prefix()} java.lang.IllegalStateException: queue full at com.example.worker.Dispatcher.submit(Dispatcher.java:{rng.randint(10, 500)})",
    lambda: f"{prefix()} trace_id={r(HEX, 32)} span_id={r(HEX, 16)} finished",
    lambda: f"{prefix()} order {non_card_16()} shipped",
    lambda: f"{prefix()} event_ts={1717000000000 + rng.randint(0, 10**8)} lag_ms={rng.randint(0, 999)}",
    lambda: f"{prefix()} generation completed tokens={rng.randint(10, 4000)} max_tokens=1024 token_count={rng.randint(1, 99)}",
    lambda: f"{prefix()} login attempt user={user()} password= result=rejected reason=empty_password",
    lambda: f"{prefix()} config password=****** loaded from vault",
    lambda: f"Jun 14 15:16:{rng.randint(10, 59)} combo sshd[{rng.randint(1000, 30000)}]: Failed password for invalid user {user()} from {ip()} port {rng.randint(1024, 65535)} ssh2",
    lambda: f"Jun 15 04:06:{rng.randint(10, 59)} combo passwd(pam_unix)[{rng.randint(1000, 30000)}]: pam_unix(passwd:chauthtok): password changed for {user()}",
    lambda: f"Jun 15 04:06:{rng.randint(10, 59)} host systemd[1]: Started user@{rng.randint(1000, 1999)}.service - User Manager for UID {rng.randint(1000, 1999)}.",
    lambda: f"{prefix()} pip install scikit-learn==1.4.2 (sk-learn alias) finished",
    lambda: f"{prefix()} task-runner-{rng.randint(1, 9)} picked job {uuid()}",
    lambda: f"{prefix()} disk-usage-monitor reports /dev/sda1 at {rng.randint(1, 99)}%",
    lambda: f"system: boot complete in {rng.randint(2, 40)}.{rng.randint(0, 9)}s",
    lambda: f"{prefix()} user admin acted as proxy for {user()}",
    lambda: f"{prefix()} node-{rng.randint(1, 9)} will act as leader for term {rng.randint(1, 999)}",
    lambda: f"{prefix()} ignoring previous checkpoint {rng.randint(1, 999)}: corrupt",
    lambda: f"{prefix()} JSON parse error: Unexpected end of input at position {rng.randint(1, 9999)}",
    lambda: f"2015-10-18 18:01:48,963 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Kind: YARN_AM_RM_TOKEN, Service: , Ident: (appAttemptId {{ attemptId: 1 }} keyId: -{rng.randint(10**8, 10**9)})",
    lambda: f"{prefix()} cache_key=users:{rng.randint(1, 9999)}:profile routing_key=orders.created.v1",
    lambda: f"{prefix()} Executing with tokens:",
    lambda: f"{prefix()} version=v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 30)} build={r(HEX, 7)} go=go1.22.4",
    lambda: f"{prefix()} GC pause {rng.randint(1, 99)}.{rng.randint(0, 999)}ms heap={rng.randint(100, 4000)}MiB",
    lambda: f"{prefix()} upstream https://billing.example.com:8443/v1/invoices?customer={r(LOWER + DIGITS, 8)} returned 503",
    lambda: f"{prefix()} token refresh scheduled in {rng.randint(1, 3600)}s for client web-{rng.randint(1, 99)}",
    lambda: f"{prefix()} password policy: min_length=12 require_symbols=true",
    lambda: f"{prefix()} authorization: denied for user {user()} on resource /admin",
    lambda: f"{prefix()} WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"",
    lambda: f"{prefix()} kafka consumer group payments-{rng.randint(1, 9)} partition {rng.randint(0, 63)} offset {rng.randint(10**6, 10**9)}",
    lambda: f"{prefix()} file uploaded s3://bucket-prod/uploads/2024/06/{uuid()}.png",
    lambda: f"{prefix()} fetched origin/main at {r(HEX, 12)}",
    lambda: f"{prefix()} ipv6 client [2001:db8::{r(HEX, 4)}]:443 connected",
    lambda: f"{prefix()} timestamp 2024-06-07 10:{rng.randint(10, 59)}:{rng.randint(10, 59)},{rng.randint(100, 999)} epoch {1717000000 + rng.randint(0, 10**6)}",
    lambda: f"{prefix()} retry {rng.randint(1, 5)}/5 after error: context deadline exceeded",
    lambda: f"{prefix()} mac={':'.join(r(HEX, 2) for _ in range(6))} link up 1000Mbps",
    lambda: f"{prefix()} secret rotation job finished rotated={rng.randint(0, 20)} failed=0",
    lambda: f"{prefix()} INSERT INTO audit_log (actor, action, target) VALUES ('{user()}', 'update', 'project/{rng.randint(1, 999)}')",
    lambda: f"{prefix()} listening on 0.0.0.0:{rng.randint(1024, 65535)} and [::]:{rng.randint(1024, 65535)}",
]


def clean_lines(n):
    out = []
    i = 0
    while len(out) < n:
        out.append(CLEAN_TEMPLATES[i % len(CLEAN_TEMPLATES)]())
        i += 1
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join("fixtures", "secrets")
    os.makedirs(out_dir, exist_ok=True)
    items = secret_lines()
    with open(os.path.join(out_dir, "secrets.log"), "w") as log, \
            open(os.path.join(out_dir, "secrets.tsv"), "w") as tsv:
        tsv.write("line\tkind\tsecret\n")
        for n, (line, secrets) in enumerate(items, start=1):
            assert "\n" not in line and "\t" not in line
            log.write(line + "\n")
            for kind, secret in secrets:
                assert secret in line, (secret, line)
                tsv.write(f"{n}\t{kind}\t{secret}\n")
    with open(os.path.join(out_dir, "clean.log"), "w") as clean:
        for line in clean_lines(150):
            clean.write(line + "\n")
    print(f"{len(items)} secret lines, 150 clean lines written to {out_dir}")


if __name__ == "__main__":
    main()
