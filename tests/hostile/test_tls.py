"""Hostile: the API over TLS. A self-signed certificate made with the
openssl command; ingest started with HUDDLE_API_TLS_CERT/_KEY; Python's ssl
module as a real TLS client. Content goes in and comes back over HTTPS with
HSTS on every answer (refusals too); TLS 1.0 and 1.1 are refused by the
server's alert; TLS 1.2 gets ECDHE with an AEAD cipher; plain HTTP to the
TLS port gets no HTTP answer; garbage handshakes neither crash ingest nor
leave dead letters; the huddle CLI works over https with the CA file and
refuses without it; a lone certificate or a mismatched key stops ingest at
start with a sentence naming the problem."""
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

MAYA, OLIVIA = "maya@example.org", "olivia@example.org"
HSTS = "max-age=31536000"


def openssl_cert(tmp, name):
    cert, key = os.path.join(tmp, f"{name}.crt"), os.path.join(tmp, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def client_ctx(cafile):
    return ssl.create_default_context(cafile=cafile)


def https(s, method, path, as_=None, body=None, ctx=None):
    """One request over a fresh TLS connection: (status, headers, json body,
    TLS version, cipher name)."""
    conn = http.client.HTTPSConnection("127.0.0.1", s.ports["api"], timeout=10,
                                       context=ctx or s.tls_ctx)
    headers = {"Content-Type": "application/json"}
    if as_:
        headers["Authorization"] = f"Bearer {s.token(as_)}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        version, cipher = conn.sock.version(), conn.sock.cipher()[0]
        return r.status, r.headers, json.loads(text) if text else None, version, cipher
    finally:
        conn.close()


def wait_tls_healthy(s, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        proc = s.procs["ingest"]
        check(proc.poll() is None, f"ingest exited with {proc.poll()}")
        try:
            if https(s, "GET", "/healthz")[0] == 200:
                return
        except (OSError, ssl.SSLError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise AssertionError("ingest not healthy over TLS")


def start_refused(s, what, **env):
    """ingest with these settings stops at start, saying `what`."""
    out = subprocess.run([os.path.join(s.bin, "huddle-ingest")], capture_output=True, text=True,
                         timeout=60, env=dict(s.env, **env))
    check(out.returncode != 0 and what in out.stderr,
          f"ingest with {env}: rc {out.returncode}, wanted '{what}' in: {out.stderr}")


def bad_settings(s, cert, key, other_key):
    start_refused(s, "only HUDDLE_API_TLS_CERT is set", HUDDLE_API_TLS_CERT=cert,
                  HUDDLE_API_TLS_KEY="")
    start_refused(s, "only HUDDLE_API_TLS_KEY is set", HUDDLE_API_TLS_CERT="",
                  HUDDLE_API_TLS_KEY=key)
    start_refused(s, f"'{other_key}' does not match the certificate in '{cert}'",
                  HUDDLE_API_TLS_CERT=cert, HUDDLE_API_TLS_KEY=other_key)
    start_refused(s, f"'{key}'", HUDDLE_API_TLS_CERT=key, HUDDLE_API_TLS_KEY=key)
    missing = os.path.join(s.tmp, "missing.crt")
    start_refused(s, f"'{missing}': No such file", HUDDLE_API_TLS_CERT=missing,
                  HUDDLE_API_TLS_KEY=key)


def round_trip(s):
    st, h, item, version, _ = https(s, "POST", "/v1/content", as_=MAYA,
                                    body={"channel": "sandbox", "text": "Over TLS, safely"})
    check(st == 201, f"submit over TLS: {st} {item}")
    check(h["Strict-Transport-Security"] == HSTS, f"HSTS on 201: {h}")
    check(version == "TLSv1.3", f"a modern client gets TLS 1.3, not {version}")
    st, h, back, _, _ = https(s, "GET", f"/v1/content/{item['id']}", as_=OLIVIA)
    check(st == 200 and back["text"] == "Over TLS, safely", f"read back: {st} {back}")
    check(h["Strict-Transport-Security"] == HSTS, f"HSTS on 200: {h}")
    # Refusals carry it too: the server adds it to every answer.
    st, h, _, _, _ = https(s, "GET", f"/v1/content/{item['id']}")
    check(st == 401 and h["Strict-Transport-Security"] == HSTS, f"HSTS on 401: {st} {h}")
    st, h, _, _, _ = https(s, "GET", "/v1/nowhere", as_=OLIVIA)
    check(st == 404 and h["Strict-Transport-Security"] == HSTS, f"HSTS on 404: {st} {h}")


def tls12(s, cafile):
    ctx = client_ctx(cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    st, _, _, version, cipher = https(s, "GET", "/healthz", ctx=ctx)
    check(st == 200 and version == "TLSv1.2", f"TLS 1.2 client: {st} {version}")
    check(cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher),
          f"TLS 1.2 cipher {cipher}: not ECDHE with AEAD")
    # A client offering only CBC suites finds nothing in common.
    ctx = client_ctx(cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA")
    try:
        https(s, "GET", "/healthz", ctx=ctx)
        check(False, "a CBC-only TLS 1.2 client was served")
    except ssl.SSLError as e:
        check("HANDSHAKE_FAILURE" in str(e), f"CBC-only client: {e}")


def old_versions(s):
    warnings.filterwarnings("ignore", "ssl.TLSVersion", DeprecationWarning)  # that is the point
    for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = version
        try:
            https(s, "GET", "/healthz", ctx=ctx)
            check(False, f"{version.name} was accepted")
        except ssl.SSLError as e:
            # The server's alert, not a client that could not try.
            check("PROTOCOL_VERSION" in str(e), f"{version.name}: {e}")


def read_all(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def plain_http(s):
    with socket.create_connection(("127.0.0.1", s.ports["api"]), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_all(sock)  # a timeout here raises: the server must close
    check(not data.startswith(b"HTTP/"), f"plain HTTP to the TLS port was answered: {data!r}")


GARBAGE = [
    os.urandom(4096),
    b"\x16\x03\x01\xff\xff" + os.urandom(100),           # a record too large for TLS
    b"\x16\x03\x01\x00\x30\x01\x00\xff\xff" + b"\0" * 44,  # a hello whose length lies
    b"\x16\x03\x03\x00\x05\x01\x00\x00\x01\x00",          # an empty hello
    b"\x15\x03\x03\x00\x02\x02\x28",                      # an alert first
    b"\x17\x03\x03\x00\x10" + b"A" * 16,                  # application data before hello
]


def one_garbage(port, blob, cut):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(blob[:cut] if cut else blob)
            if not cut:
                read_all(sock)
    except OSError:
        pass


def garbage(s):
    dead = s.psql("SELECT count(*) FROM dead_letter")
    threads = [threading.Thread(target=one_garbage, args=(s.ports["api"], blob, cut))
               for _ in range(5) for blob in GARBAGE for cut in (0, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(s.procs["ingest"].poll() is None, "ingest died of garbage handshakes")
    check(https(s, "GET", "/healthz")[0] == 200, "healthz after garbage")
    check(s.psql("SELECT count(*) FROM dead_letter") == dead,
          "a failed handshake left a dead letter")
    with open(s.log_path("ingest")) as f:
        check('"http_tls_failed"' in f.read(), "failed handshakes are not logged")


def cli(s, cafile):
    env = dict(s.env, HUDDLE_API_URL=f"https://127.0.0.1:{s.ports['api']}",
               HUDDLE_API_CA_FILE=cafile)
    huddle = os.path.join(s.bin, "huddle")
    out = subprocess.run([huddle, "submit", "--as", MAYA, "--channel", "sandbox",
                          "From the CLI over TLS"], env=env, capture_output=True, text=True,
                         timeout=60)
    check(out.returncode == 0 and out.stdout.strip(), f"huddle submit over https: {out}")
    cid = out.stdout.strip()
    out = subprocess.run([huddle, "status", cid, "--as", OLIVIA], env=env,
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0 and cid in out.stdout, f"huddle status over https: {out}")
    # Without the CA file the self-signed certificate is not trusted.
    env.pop("HUDDLE_API_CA_FILE")
    out = subprocess.run([huddle, "status", cid, "--as", OLIVIA], env=env,
                         capture_output=True, text=True, timeout=60)
    check(out.returncode != 0 and "certificate" in out.stderr.lower(),
          f"an untrusted certificate was accepted: {out}")


def main():
    with System("hostile_tls") as s:
        cert, key = openssl_cert(s.tmp, "api")
        _, other_key = openssl_cert(s.tmp, "other")
        bad_settings(s, cert, key, other_key)
        s.env["HUDDLE_API_TLS_CERT"] = cert
        s.env["HUDDLE_API_TLS_KEY"] = key
        s.tls_ctx = client_ctx(cert)
        s.start("ingest")
        wait_tls_healthy(s)
        round_trip(s)
        tls12(s, cert)
        old_versions(s)
        plain_http(s)
        garbage(s)
        cli(s, cert)
    print("ok")


if __name__ == "__main__":
    main()
