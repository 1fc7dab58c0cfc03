#!/usr/bin/env python3
"""docs/openapi.yaml against the routes the server really has.

`huddle-ingest --routes` prints every route of the HTTP API as
"METHOD PATTERN SCOPE" (the tables of services/ingest/route.h). This test
fails, naming each one:
  - a route served but not documented, or documented but not served
    (method and path; path parameters match whatever their names);
  - an operation whose x-huddle-scope (the token scope the route needs, or
    "none") is not the scope the server checks;
  - a document that is not OpenAPI 3.1 shaped: `openapi: 3.1.x`, info with
    title and version, paths, components.schemas, the bearer security
    scheme; every $ref resolves; every {param} of a path is declared as a
    required path parameter; every operation has a unique operationId, a
    success answer, and, when it needs a token, 401 (and 403 when it needs
    a scope); with openapi-spec-validator installed, OpenAPI's own schema.
Needs PyYAML (Debian: python3-yaml, installed by scripts/deps.sh)."""
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:  # a python3 of its own (pyenv, venv) without PyYAML: Debian's has it
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    sys.exit("test_openapi: PyYAML is missing: install python3-yaml (scripts/deps.sh)")

METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
SCOPES = {"none", "read", "submit", "decide", "admin", "inbound"}


def served_routes(bin_dir):
    """{(METHOD, normalized path): (pattern, scope)} from --routes."""
    out = subprocess.run([os.path.join(bin_dir, "huddle-ingest"), "--routes"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    routes = {}
    for line in out.splitlines():
        method, pattern, scope = line.split()
        routes[(method.upper(), normalize(pattern))] = (pattern, scope)
    if not routes:
        raise SystemExit("huddle-ingest --routes printed no route")
    return routes


def normalize(path):
    return re.sub(r"\{[^}/]+\}", "{}", path)


def resolve(doc, ref):
    """The object a local $ref points at, or None."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def check_refs(doc, node, where, errors):
    if isinstance(node, dict):
        if "$ref" in node and resolve(doc, node["$ref"]) is None:
            errors.append(f"unresolved $ref {node['$ref']!r} at {where}")
        for k, v in node.items():
            key = str(k).replace("~", "~0").replace("/", "~1")
            check_refs(doc, v, f"{where}/{key}", errors)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_refs(doc, v, f"{where}/{i}", errors)


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"]) or {}
    return node


def check_shape(doc, errors):
    if not isinstance(doc, dict):
        errors.append("the document is not a mapping")
        return False
    if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
        errors.append(f"openapi must be 3.1.x, is {doc.get('openapi')!r}")
    info = doc.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        errors.append("info needs a title and a version")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        errors.append("paths is missing or empty")
        return False
    comps = doc.get("components") or {}
    if not isinstance(comps.get("schemas"), dict):
        errors.append("components.schemas is missing")
    schemes = comps.get("securitySchemes") or {}
    if not any(isinstance(s, dict) and s.get("type") == "http" and s.get("scheme") == "bearer"
               for s in schemes.values()):
        errors.append("components.securitySchemes has no http bearer scheme")
    if not doc.get("security"):
        errors.append("no default security (every route but the public ones needs a token)")
    check_refs(doc, doc, "#", errors)
    return True


def check_schema(doc, errors):
    """The document against OpenAPI's own schema, when openapi-spec-validator
    is installed (optional: the checks here cover the shape the test needs)."""
    try:
        from openapi_spec_validator import validate
    except ImportError:
        print("(openapi-spec-validator is not installed: OpenAPI's own schema not checked)")
        return
    try:
        validate(doc)
    except Exception as e:  # its error types differ between versions
        errors.append(f"not valid OpenAPI: {str(e).splitlines()[0][:300]}")


def path_params(doc, item, op):
    declared = {}
    for p in (item.get("parameters") or []) + (op.get("parameters") or []):
        p = deref(doc, p)
        if p.get("in") == "path":
            declared[p.get("name")] = p
    return declared


def check_operation(doc, path, method, item, op, op_ids, errors):
    name = f"{method.upper()} {path}"
    scope = op.get("x-huddle-scope")
    if scope not in SCOPES:
        errors.append(f"{name}: x-huddle-scope {scope!r} is not one of {sorted(SCOPES)}")
    oid = op.get("operationId")
    if not oid:
        errors.append(f"{name}: no operationId")
    elif oid in op_ids:
        errors.append(f"{name}: operationId {oid} also names {op_ids[oid]}")
    else:
        op_ids[oid] = name
    declared = path_params(doc, item, op)
    for p in re.findall(r"\{([^}/]+)\}", path):
        if p not in declared:
            errors.append(f"{name}: path parameter {{{p}}} is not declared")
        elif declared[p].get("required") is not True:
            errors.append(f"{name}: path parameter {{{p}}} must be required")
    responses = {str(k): v for k, v in (op.get("responses") or {}).items()}
    if not any(k.startswith("2") for k in responses):
        errors.append(f"{name}: no success (2xx) answer")
    public = op.get("security") == []
    if public and scope not in (None, "none"):
        errors.append(f"{name}: public (security: []) but needs the scope {scope}")
    if not public and "401" not in responses:
        errors.append(f"{name}: needs a token but does not document 401")
    if scope not in (None, "none") and "403" not in responses:
        errors.append(f"{name}: needs the scope {scope} but does not document 403")


def main():
    src = os.environ.get("HUDDLE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    bin_dir = os.environ["HUDDLE_BIN_DIR"]
    path = os.path.join(src, "docs", "openapi.yaml")
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = []
    documented = {}
    if check_shape(doc, errors):
        check_schema(doc, errors)
        op_ids = {}
        for p, item in doc["paths"].items():
            item = deref(doc, item)
            for m in METHODS:
                if m in (item or {}):
                    check_operation(doc, p, m, item, item[m], op_ids, errors)
                    documented[(m.upper(), normalize(p))] = (p, item[m].get("x-huddle-scope"))
    served = served_routes(bin_dir)
    for key in sorted(set(served) - set(documented), key=lambda k: (k[1], k[0])):
        errors.append(f"served but not documented: {key[0]} {served[key][0]}")
    for key in sorted(set(documented) - set(served), key=lambda k: (k[1], k[0])):
        errors.append(f"documented but not served: {key[0]} {documented[key][0]}")
    for key in sorted(set(served) & set(documented), key=lambda k: (k[1], k[0])):
        if served[key][1] != documented[key][1]:
            errors.append(f"scope differs: {key[0]} {served[key][0]}: served "
                          f"{served[key][1]!r}, documented {documented[key][1]!r}")
    for e in errors:
        print(e)
    both = len(set(served) & set(documented))
    print(f"{len(served)} routes served, {len(documented)} documented, {both} in both; "
          f"{len(errors)} problem(s) in {os.path.relpath(path, src)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
