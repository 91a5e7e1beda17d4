#!/usr/bin/env python3
"""Validates a NodeInfo document against a NodeInfo JSON schema.

    check_nodeinfo_schema.py SCHEMA_JSON DOCUMENT_JSON

The schemas are the official NodeInfo 2.0/2.1 ones diaspora* vendors
(diaspora-federation-vectors/discovery/schemas/, JSON Schema draft 4). Exits
0 when the document is valid, 1 when it is not (each error on stderr), 2 on
bad usage or unreadable files. Needs python3-jsonschema.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        with open(argv[2], encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as e:
        print(f"check_nodeinfo_schema: {e}", file=sys.stderr)
        return 2 if isinstance(e, OSError) else 1

    # The schema declares draft 4; pick the validator it names.
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(document), key=lambda e: list(e.path))
    for e in errors:
        where = "/".join(str(p) for p in e.path) or "(top)"
        print(f"{argv[2]}: {where}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
