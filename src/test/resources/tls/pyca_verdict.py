"""Judges TLS server chains with pyca/cryptography's X.509 path validation (cryptography >= 43).

Reads one JSON object per line on stdin: {"name", "chain": [PEM, leaf first], "roots": [PEM], "host", "time"
(seconds since the epoch)}, and prints one line per case: name, a tab, "ok" or "fail", a tab, pyca's message.
Used by ChainVerdictAgreementTest to measure how often vigil's verdict agrees with pyca's on vigil's own test PKI.
"""
import datetime
import ipaddress
import json
import sys

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store


def judge(case):
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in case["chain"]]
    roots = [x509.load_pem_x509_certificate(p.encode()) for p in case["roots"]]
    try:
        subject = x509.IPAddress(ipaddress.ip_address(case["host"]))
    except ValueError:
        subject = x509.DNSName(case["host"])
    when = datetime.datetime.fromtimestamp(case["time"], tz=datetime.timezone.utc)
    verifier = PolicyBuilder().store(Store(roots)).time(when).build_server_verifier(subject)
    verifier.verify(chain[0], chain[1:])


for line in sys.stdin:
    case = json.loads(line)
    try:
        judge(case)
        print(case["name"] + "\tok\t", flush=True)
    except Exception as e:  # any refusal, parse error included, is a failed verdict
        print(case["name"] + "\tfail\t" + type(e).__name__ + ": " + str(e).replace("\n", " "), flush=True)
