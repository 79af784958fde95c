#!/usr/bin/env python3
"""Independent decoder for an HTTP-Redirect AuthnRequest URL (Python standard library only).

Usage: check_redirect.py URL
Prints, one per line: the inflated SAMLRequest XML (base64-encoded, so it fits on one line),
the RelayState (or "-"), the SigAlg (or "-"), the Signature (base64, or "-"), and the signed
octets as they appear in the URL (or "-").
"""
import base64
import sys
import urllib.parse
import zlib


def main() -> int:
    url = sys.argv[1]
    query = urllib.parse.urlsplit(url).query
    params = urllib.parse.parse_qs(query, keep_blank_values=True, strict_parsing=True)
    compressed = base64.b64decode(params["SAMLRequest"][0], validate=True)
    xml = zlib.decompress(compressed, -15)
    relay_state = params.get("RelayState", ["-"])[0]
    sig_alg = params.get("SigAlg", ["-"])[0]
    signature = params.get("Signature", ["-"])[0]
    # SAML bindings 3.4.4.1: the signed octets are the raw (still URL-encoded) parameters.
    raw = dict(pair.split("=", 1) for pair in query.split("&"))
    if "SigAlg" in raw:
        parts = ["SAMLRequest=" + raw["SAMLRequest"]]
        if "RelayState" in raw:
            parts.append("RelayState=" + raw["RelayState"])
        parts.append("SigAlg=" + raw["SigAlg"])
        signed = "&".join(parts)
    else:
        signed = "-"
    print(base64.b64encode(xml).decode("ascii"))
    print(relay_state)
    print(sig_alg)
    print(signature)
    print(signed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
