#!/usr/bin/env python3
"""Validates JSON documents against the OCI runtime specification's schemas (Debian's
golang-github-opencontainers-specs-dev ships them): `validate.py state FILE...` for
`isola-runtime state` output, `validate.py config FILE...` for bundles' config.json.
Prints one line per document and exits 1 if any is invalid."""
import json
import pathlib
import sys

import jsonschema_rs

SCHEMAS = pathlib.Path("/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema")


def retrieve(uri):
    # The schemas name each other by relative file names ("defs.json#/definitions/...").
    name = uri.rsplit("/", 1)[-1]
    return json.loads((SCHEMAS / name).read_text())


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    schema = SCHEMAS / {"state": "state-schema.json", "config": "config-schema.json"}[kind]
    validator = jsonschema_rs.Draft4Validator(json.loads(schema.read_text()), retriever=retrieve,
                                              base_uri=schema.as_uri())
    failed = False
    for path in files:
        document = json.loads(pathlib.Path(path).read_text())
        errors = [f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(document)]
        print(f"{path}: {'valid' if not errors else 'INVALID: ' + '; '.join(errors)}")
        failed = failed or bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
