#!/usr/bin/env python3
"""openapi_check.py SPEC EXCHANGES_DIR [only:PREFIX | skip:PREFIX]: hold the answers a
test received from `pktlens serve` to docs/openapi.yaml.

EXCHANGES_DIR/index holds one line per request, "N METHOD PATH STATUS CONTENT-TYPE",
and N.body its body. Checks, one "ok"/"FAIL" line each:
  - the endpoints the server lists (GET /api/v1) are the spec's paths and methods;
  - every answer on a documented path has a documented status, and its JSON body
    validates against the documented schema (types, required, additionalProperties,
    enum, bounds, oneOf, nullable: the parts of OpenAPI 3.0 the spec uses);
  - an answer on an undocumented path is a 404 with the Error schema;
  - every documented (path, method, status) was met at least once (with only:PREFIX,
    of the paths starting with PREFIX; with skip:PREFIX, of the others: a test of
    its own covers those).
With PL_OPENAPI_PARTIAL=1 (a test that asks a few endpoints only) the answers alone
are held to their schemas: the last two checks are left out.
A small validator of its own: no dependency beyond PyYAML."""
import json
import os
import sys

import yaml

spec = yaml.safe_load(open(sys.argv[1]))
exdir = sys.argv[2]
comp = spec["components"]
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok   openapi: " + msg)


def fail(msg, why):
    global failed
    failed += 1
    print("FAIL openapi: %s: %s" % (msg, why))


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        node = spec
        for p in parts:
            node = node[p]
    return node


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def validate(v, s, where="$"):
    """A list of problems of value v under schema s."""
    s = deref(s)
    if v is None:
        return [] if s.get("nullable") else ["%s: null not allowed" % where]
    if "oneOf" in s:
        n = sum(1 for alt in s["oneOf"] if not validate(v, alt, where))
        return [] if n == 1 else ["%s: matches %d of oneOf" % (where, n)]
    t = s.get("type")
    if t == "integer":
        if isinstance(v, bool) or not isinstance(v, int):
            return ["%s: %r is not an integer" % (where, v)]
    elif t == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return ["%s: %r is not a number" % (where, v)]
    elif t in TYPES and not isinstance(v, TYPES[t]):
        return ["%s: %r is not a %s" % (where, v, t)]
    errs = []
    if "enum" in s and v not in s["enum"]:
        errs.append("%s: %r not in %s" % (where, v, s["enum"]))
    if "minimum" in s and v < s["minimum"]:
        errs.append("%s: %r < %r" % (where, v, s["minimum"]))
    if "maximum" in s and v > s["maximum"]:
        errs.append("%s: %r > %r" % (where, v, s["maximum"]))
    if t == "object":
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r not in v:
                errs.append("%s: missing %s" % (where, r))
        addl = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                errs += validate(x, props[k], where + "." + k)
            elif addl is False:
                errs.append("%s: undocumented field %s" % (where, k))
            elif isinstance(addl, dict):
                errs += validate(x, addl, where + "." + k)
    if t == "array":
        for i, x in enumerate(v):
            errs += validate(x, s.get("items", {}), "%s[%d]" % (where, i))
    return errs


def response_schema(op, status, ctype):
    r = deref(op["responses"].get(str(status)))
    if r is None:
        return None, "status %s not documented" % status
    content = r.get("content", {})
    if ctype not in content:
        return None, "content type %s not documented for %s (%s)" % (
            ctype, status, ", ".join(content))
    return content[ctype].get("schema", {}), None


met = set()
index = None
for line in open(os.path.join(exdir, "index")):
    n, method, path, status, ctype = line.split(" ", 4)
    ctype = ctype.strip().split(";")[0]
    status = int(status)
    text = open(os.path.join(exdir, n + ".body"), errors="replace").read()
    name = "%s %s -> %d" % (method, path, status)
    if method == "HEAD":
        method, text = "GET", ""
    item = spec["paths"].get(path)
    op = item.get(method.lower()) if item else None
    if op is None:
        want = 405 if item else 404
        if status != want:
            fail(name, "undocumented %s; want %d" % ("method" if item else "path", want))
            continue
        schema = deref(comp["schemas"]["Error"])
    else:
        met.add((path, method, status))
        schema, why = response_schema(op, status, ctype)
        if why:
            fail(name, why)
            continue
    if not text:
        continue
    if ctype != "application/json":
        ok(name + " (text)")
        continue
    try:
        body = json.loads(text)
    except ValueError as e:
        fail(name, "body is not JSON: %s" % e)
        continue
    errs = validate(body, schema)
    if errs:
        fail(name, "; ".join(errs[:5]))
    else:
        ok(name)
    if path == "/api/v1" and status == 200:
        index = body

scope = sys.argv[3] if len(sys.argv) > 3 else ""


def in_scope(p):
    if scope.startswith("only:"):
        return p.startswith(scope[5:])
    if scope.startswith("skip:"):
        return not p.startswith(scope[5:])
    return True


documented = {(p, m.upper(), int(s)) for p, item in spec["paths"].items() if in_scope(p)
              for m, op in item.items() for s in op["responses"]
              if "x-not-provoked" not in deref(op["responses"][s])}
# Answers a test cannot bring about on purpose say why (x-not-provoked): named, not held.
for p, item in sorted(spec["paths"].items()):
    if not in_scope(p):
        continue
    for m, op in item.items():
        for s, r in op["responses"].items():
            if "x-not-provoked" in deref(r):
                print("note %s %s -> %s not provoked: %s" % (m.upper(), p, s,
                                                            deref(r)["x-not-provoked"]))
if os.environ.get("PL_OPENAPI_PARTIAL") == "1":
    print("openapi: %d passed, %d failed" % (passed, failed))
    sys.exit(0)
for p, m, s in sorted(documented - met):
    fail("%s %s -> %d" % (m, p, s), "documented but never met by the test")
if not documented - met:
    ok("every documented answer (%d) was met" % len(documented))

if index is None:
    fail("GET /api/v1", "the test never listed the endpoints")
else:
    server = {(e["path"], e["methods"]) for e in index["endpoints"]}
    spec_eps = {(p, ", ".join(m.upper() for m in item)) for p, item in spec["paths"].items()}
    if server == spec_eps:
        ok("the server's endpoints are the spec's paths (%d)" % len(server))
    else:
        fail("endpoints", "server only: %s; spec only: %s" % (
            sorted(server - spec_eps), sorted(spec_eps - server)))
print("openapi: %d passed, %d failed" % (passed, failed))
