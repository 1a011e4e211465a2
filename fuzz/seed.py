#!/usr/bin/env python3
"""Builds the fuzz seed corpora from examples/ (nothing is copied from elsewhere).

Usage: python3 fuzz/seed.py   (writes fuzz/corpus/<target>/)
"""
import json
import pathlib
import random

root = pathlib.Path(__file__).resolve().parent.parent
tenant_dir = root / "examples" / "tenant"
out = root / "fuzz" / "corpus"


def write(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


# load: the example tenant as one bundle (UTF-8 and UTF-16LE with BOM), and each collection file.
bundle = {}
for f in sorted(tenant_dir.rglob("*.json")):
    rel = f.relative_to(tenant_dir).with_suffix("")
    doc = json.loads(f.read_text(encoding="utf-8"))
    key = ".".join(rel.parts)
    if isinstance(doc, dict) and "value" in doc:
        doc = doc["value"]
    section, _, leaf = key.rpartition(".")
    if section:
        bundle.setdefault(section, {})[leaf] = doc
    else:
        bundle[key] = doc
    write("load", f"file-{key}.json", json.dumps({key: doc}))
text = json.dumps(bundle)
write("load", "bundle-utf8.json", text)
write("load", "bundle-utf16le.json", b"\xff\xfe" + text.encode("utf-16-le"))
write("load", "bundle-utf16be.json", b"\xfe\xff" + text.encode("utf-16-be"))
# Other tools' layouts (§1.1a): a wrapped policy, Terraform configuration and state.
policies = bundle.get("conditionalAccessPolicies", [])
if policies:
    write("load", "wrapped.json", json.dumps({"ExportDate": "2025-01-01", "PolicyConfig": policies[0]}))
tf_body = {
    "display_name": "P", "state": "enabled",
    "conditions": [{"client_app_types": ["all"], "applications": [{"included_applications": ["All"]}],
                    "users": [{"included_users": ["All"], "excluded_users": ["11111111-1111-1111-1111-111111111111"],
                               "included_guests_or_external_users": [{"guest_or_external_user_types": ["b2bCollaborationGuest"],
                                                                      "external_tenants": [{"membership_kind": "all"}]}]}],
                    "devices": [{"filter": [{"mode": "exclude", "rule": "device.trustType -eq \"AzureAD\""}]}]}],
    "grant_controls": [{"operator": "OR", "built_in_controls": ["mfa"]}],
    "session_controls": [{"sign_in_frequency": 4, "sign_in_frequency_period": "hours", "persistent_browser_mode": "never"}],
}
write("load", "terraform-config.tf.json", json.dumps({"resource": {"azuread_conditional_access_policy": {"p": tf_body}}}))
write("load", "terraform-state.json", json.dumps({"values": {"root_module": {"resources": [
    {"type": "azuread_conditional_access_policy", "name": "p", "values": dict(tf_body, id="22222222-2222-2222-2222-222222222222")},
    {"type": "azuread_named_location", "name": "l", "values": {"id": "33333333-3333-3333-3333-333333333333", "display_name": "L",
                                                                "ip": [{"ip_ranges": ["192.0.2.0/24"], "trusted": True}]}}]}}}))

# filter: every rule the example policies use, plus a few shapes of the grammar.
rules = set()
for p in bundle.get("conditionalAccessPolicies", []):
    f = ((p.get("conditions") or {}).get("devices") or {}).get("deviceFilter") or {}
    if f.get("rule"):
        rules.add(f["rule"])
rules.update([
    'device.model -in ["a","b"] -and -not (device.isCompliant -eq True -or device.trustType -eq "ServerAD")',
    'CustomSecurityAttribute.Set_Name -startsWith "x"',
    'device.physicalIds -contains "[OrderId]:x" -or device.extensionAttribute15 -eq null',
])
for i, r in enumerate(sorted(rules)):
    write("filter", f"rule-{i}.txt", r)

# sign_in and activation: each example request.
for target, name in [("sign_in", "signins.jsonl"), ("activation", "activations.jsonl")]:
    for i, line in enumerate((root / "examples" / name).read_text(encoding="utf-8").splitlines()):
        if line.strip():
            write(target, f"req-{i:02}.json", line)

# differential: structured-generator input is raw bytes; a fixed seed keeps the corpus stable.
rng = random.Random(20261127)
for i in range(16):
    write("differential", f"seed-{i:02}.bin", bytes(rng.randrange(256) for _ in range(512)))
# analysis: the same kind of input as differential, from its own seed.
rng = random.Random(20261201)
for i in range(16):
    write("analysis", f"seed-{i:02}.bin", bytes(rng.randrange(256) for _ in range(512)))
print(f"seed corpora written under {out}")

# test_file: the example suites (first byte 0 = YAML, 1 = JSON).
for f in sorted((root / "examples" / "tests").glob("*")):
    kind = b"\x00" if f.suffix in (".yaml", ".yml") else b"\x01"
    write("test_file", f.name, kind + f.read_bytes())

# sign_in_log: the hand-written records in every export shape, and one in UTF-16LE.
for f in sorted((root / "tests" / "fixtures" / "signinlogs").glob("*")):
    write("sign_in_log", f.name, f.read_bytes())
beta = (root / "tests" / "fixtures" / "signinlogs" / "graph-beta.jsonl").read_text(encoding="utf-8")
write("sign_in_log", "graph-beta-utf16le.jsonl", b"\xff\xfe" + beta.encode("utf-16-le"))
