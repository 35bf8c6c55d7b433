# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate a TLS server presents, and when it expires (control PBG-NET-011).

Private module_utils: the interface may change. Standard library only (no target dependency): the
expiry is read from the DER certificate with a small DER walker, so it works with and without
certificate verification.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import socket

from ansible.module_utils.six.moves.urllib.parse import urlsplit
from ansible.module_utils.urls import make_context


class CertificateError(Exception):
    """The served certificate could not be read (no TLS, handshake or verification failure, bad DER)."""


def _der_item(data, pos):
    """(tag, start of content, end of content) of the DER item at ``pos``."""
    if pos + 2 > len(data):
        raise CertificateError("truncated DER")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise CertificateError("unsupported DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise CertificateError("truncated DER")
    return tag, pos, pos + length


def _der_children(data, start, end):
    out = []
    pos = start
    while pos < end:
        tag, cstart, cend = _der_item(data, pos)
        out.append((tag, cstart, cend))
        pos = cend
    return out


def _der_time(tag, raw):
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ (RFC 5280: YY >= 50 is 19YY)
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise CertificateError("validity is not a time")
    if not text.endswith("Z") or len(text) != 15:
        raise CertificateError("unsupported time format %r" % text)
    return datetime.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=datetime.timezone.utc)


def validity(der):
    """(notBefore, notAfter) of a DER X.509 certificate, as aware UTC datetimes."""
    data = bytearray(der)
    _tag, cstart, cend = _der_item(data, 0)
    tbs_tag, tstart, tend = _der_children(data, cstart, cend)[0]
    if tbs_tag != 0x30:
        raise CertificateError("not an X.509 certificate")
    fields = _der_children(data, tstart, tend)
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity
    if len(fields) < 4 or fields[3][0] != 0x30:
        raise CertificateError("no validity in the certificate")
    times = _der_children(data, fields[3][1], fields[3][2])
    if len(times) != 2:
        raise CertificateError("no validity in the certificate")
    return tuple(_der_time(tag, bytes(data[start:end])) for tag, start, end in times)


def not_after(der):
    """Expiry (aware UTC datetime) of a DER X.509 certificate."""
    return validity(der)[1]


def served_certificate(url, timeout=10, validate_certs=True, ca_path=None):
    """DER certificate served at an ``https://`` URL (SNI = the URL's host).

    With ``validate_certs`` the chain and the name are verified against ``ca_path`` (or the system store),
    so an untrusted certificate raises CertificateError instead of reporting an expiry nobody trusts.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise CertificateError("%s is not an https:// URL: no certificate is served" % url)
    host, port = parts.hostname, parts.port or 443
    context = make_context(cafile=ca_path or None, validate_certs=validate_certs)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as exc:
        raise CertificateError("TLS handshake with %s:%s failed: %s" % (host, port, exc))
    if not der:
        raise CertificateError("%s:%s presented no certificate" % (host, port))
    return der


def expiry_facts(url, timeout=10, validate_certs=True, ca_path=None, now=None):
    """Probe facts: ``{"not_before", "not_after" (ISO), "days_left", "seconds_left", "lifetime_seconds"}``,
    or ``{"error": reason}``."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    try:
        starts, expires = validity(served_certificate(url, timeout, validate_certs, ca_path))
    except CertificateError as exc:
        return {"error": str(exc)}
    left = int((expires - now).total_seconds())
    return {"not_before": starts.strftime("%Y-%m-%dT%H:%M:%SZ"), "not_after": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": left // 86400, "seconds_left": left,
            "lifetime_seconds": int((expires - starts).total_seconds())}
