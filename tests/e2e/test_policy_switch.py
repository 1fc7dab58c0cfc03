"""End to end: policy versions with the real processes. The CLI validates
(errors name rule and line, nothing is activated), applies (the
orchestrator's emergency path, through the API), shows, diffs, simulates and
checks, all through the API with no database address; the running policy
service switches to a new version without a restart, and every verdict
records the version that produced it."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

MAYA = "maya@example.org"
OLIVIA = "olivia@example.org"

V2 = """name: stricter
channels:
  sandbox: {counting: mastodon, max_length: 500}
rules:
  - id: banned-terms
    kind: lexicon
    action: block
    terms: [guaranteed returns, lawsuit]
  - id: sandbox-length
    kind: limits
    action: block
"""

BAD = """rules:
  - id: ok
    kind: lexicon
    action: block
    terms: [a]
  - id: broken
    kind: pattern
    action: review
    patterns: ['x']
"""


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    with System("e2e_policy_switch") as s:
        tmp = tempfile.mkdtemp()
        bad, v2 = write(tmp, "bad.yaml", BAD), write(tmp, "v2.yaml", V2)
        out = s.cli("policy", "validate", bad, check_rc=False)
        check(out.returncode == 1, f"validate bad: rc {out.returncode}")
        check("line 8: rule broken: review needs a role" in out.stderr, out.stderr)
        out = s.cli("policy", "apply", bad, "--reason", "e2e", "--as", OLIVIA, check_rc=False)
        check(out.returncode == 1 and "nothing was activated" in out.stderr, out.stderr)
        check(s.psql("SELECT max(version) FROM policy_version") == "1", "bad file activated")

        s.start_all()
        # The CLI reaches policy through the API only: no database address.
        s.env["HUDDLE_DATABASE_URL"] = "postgresql://127.0.0.1:1/nowhere"
        out = s.cli("policy", "apply", v2, "--as", OLIVIA, check_rc=False)
        check(out.returncode == 2 and "--reason" in out.stderr, out.stderr)
        text = "About the lawsuit: we are confident. e2e-switch-1"
        cid1 = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
        item = s.wait_state(cid1, "awaiting_approval")
        check(item["verdict"] == "review", f"v1 verdict {item['verdict']}")

        out = s.cli("policy", "simulate", v2, "--since", "1d", "--as", OLIVIA)
        check("review -> block 1" in out.stdout, f"simulate: {out.stdout}")
        check("[[lawsuit]]" in out.stdout, f"simulate examples: {out.stdout}")
        check(s.psql("SELECT max(version) FROM policy_version") == "1", "simulate activated")

        out = s.cli("policy", "apply", v2, "--reason", "e2e switch", "--as", OLIVIA)
        check("version 2 is active" in out.stdout, out.stdout)
        out = s.cli("policy", "diff", "1", "2", "--as", OLIVIA)
        check("- rule legal-risk" in out.stdout and '+"lawsuit"' in out.stdout, out.stdout)
        out = s.cli("policy", "show", "--as", OLIVIA)
        check(out.stdout.startswith("# policy version 2 (active)"), out.stdout[:80])
        out = s.cli("policy", "list", "--as", OLIVIA)
        check("\n2        yes" in out.stdout, out.stdout)

        text2 = "About the lawsuit: we are confident. e2e-switch-2"
        cid2 = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text2).stdout.strip()
        item = s.wait_state(cid2, "blocked")
        check(item["verdict"] == "block", f"v2 verdict {item['verdict']}")
        check(s.psql(f"SELECT policy_version FROM policy_verdict WHERE content_id = '{cid1}'")
              == "1", "first verdict lost its version")
        check(s.psql(f"SELECT policy_version FROM policy_verdict WHERE content_id = '{cid2}'")
              == "2", "second verdict is not under version 2")

        out = s.cli("check", "--channel", "sandbox", "--as", MAYA, "guaranteed returns, really",
                    check_rc=False)
        check(out.returncode == 1 and "[[guaranteed returns]]1" in out.stdout, out.stdout)
        out = s.cli("check", "--channel", "sandbox", "x" * 501, check_rc=False)
        check(out.returncode == 1 and "sandbox-length" in out.stdout, out.stdout)
        out = s.cli("check", "--channel", "sandbox", "hello", check_rc=False)
        check(out.returncode == 0 and "verdict: pass" in out.stdout, out.stdout)
    print("ok")


if __name__ == "__main__":
    main()
