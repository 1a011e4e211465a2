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
print(f"seed corpora written under {out}")
