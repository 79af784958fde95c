"""Key pair of the test IdP: an RSA key and a self-signed certificate made by `openssl`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class KeyPair:
    """PEM files of the IdP's signing key and certificate."""

    key_file: Path
    cert_file: Path

    def cert_pem(self) -> str:
        return self.cert_file.read_text(encoding="ascii")


def generate_key_pair(directory: Path, common_name: str = "e2e-test-idp", days: int = 7) -> KeyPair:
    """Writes `idp-key.pem` and `idp-cert.pem` (RSA 2048, self-signed, valid `days` days)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "idp-key.pem"
    cert_file = directory / "idp-cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
            "-keyout", str(key_file), "-out", str(cert_file),
            "-days", str(days), "-subj", f"/CN={common_name}",
        ],
        check=True,
        capture_output=True,
        timeout=OPENSSL_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    return KeyPair(key_file, cert_file)
