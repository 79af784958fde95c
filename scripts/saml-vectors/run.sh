#!/usr/bin/env bash
# Regenerates saml-sp/tests/data/generated/ and saml-sp/tests/data/c14n/.
# Needs: python3 (with venv), openssl, xmlsec1 (Debian package `xmlsec1`).
# lxml is installed into a private virtualenv outside the repository.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="${SAML_VECTORS_VENV:-${TMPDIR:-/tmp}/saml-vectors-venv}"
for tool in python3 openssl xmlsec1; do
    command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install -y python3-venv openssl xmlsec1)" >&2; exit 2; }
done
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import lxml' 2>/dev/null || "$venv/bin/pip" install --quiet 'lxml>=5,<7'
exec "$venv/bin/python" "$here/generate.py" "$@"
