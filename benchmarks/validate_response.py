"""Validations per CPU second of ssoconsole's validate_response against named peers.

Run it through ``benchmarks/run``, which builds the environment python3-saml
and python-xmlsec need (see ``benchmarks/README.md``). Everything is measured
in one process pinned to one core, on the very same Entra-shaped response
(the assertion signed with RSA-2048 and SHA-256), in interleaved rounds so
that a noisy neighbour slows every contender alike. The last line is always
``validate_response vs python3-saml: N.Nx``.

Contenders, each starting from the base64 ``SAMLResponse`` form value:

* ``validate_response``: ssoconsole's full validation (every rule the SAML core enforces);
* ``python3-saml``: ``OneLogin_Saml2_Response(...).is_valid`` with
  ``strict=True`` and a settings dict describing the same SP and IdP;
* ``python-xmlsec``: base64 decode, lxml parse and ``SignatureContext.verify``
  of the assertion's signature with the IdP certificate, nothing else;
* ``signxml``: base64 decode and ``XMLVerifier().verify`` of the assertion's
  signature with the IdP certificate (the library's defaults otherwise);
* ``parse + RSA``: base64 decode, lxml parse and one RSA-2048 PKCS#1 v1.5
  verification of fixed bytes, the floor any XML-signature check stands on.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from entra_response import SAML, Scenario, Signer, build_response  # noqa: E402


def pin_to_one_core(cpu: int | None) -> int:
    """Pin this process to one core so that every contender gets the same CPU."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = allowed[-1] if cpu is None else cpu
    os.sched_setaffinity(0, {chosen})
    return chosen


# --- contenders -------------------------------------------------------------------------------


def ours(signer: Signer, scenario: Scenario, now: dt.datetime) -> Callable[[str], object]:
    """Return our full validation, configured once as the application configures it per tenant."""
    from ssoconsole.saml.config import Expected, IdentityProvider, ServiceProvider, ValidationPolicy
    from ssoconsole.saml.response import validate_response

    sp = ServiceProvider(entity_id=scenario.sp_entity_id, acs_url=scenario.acs_url)
    idp = IdentityProvider(
        entity_id=scenario.idp_entity_id,
        signing_certificates=(signer.cert_der,),
        sso_url_redirect=scenario.sso_url,
    )
    expected = Expected(request_id=scenario.request_id)
    policy = ValidationPolicy()

    def run(value: str) -> object:
        return validate_response(value, sp=sp, idp=idp, expected=expected, policy=policy, now=now)

    return run


def python3_saml(signer: Signer, scenario: Scenario) -> Callable[[str], object]:
    """Return python3-saml's strict validation of the same SP and IdP.

    The settings object is built once, like our configuration; the Response
    object is per message, as python3-saml's API requires. python3-saml
    reads the system clock, so the response must be fresh (it is issued at
    start-up and valid for an hour).
    """
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": scenario.sp_entity_id,
                "assertionConsumerService": {
                    "url": scenario.acs_url,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            },
            "idp": {
                "entityId": scenario.idp_entity_id,
                "singleSignOnService": {
                    "url": scenario.sso_url,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": signer.cert_b64,
            },
            "security": {
                "wantAssertionsSigned": True,
                "wantMessagesSigned": False,
                "rejectDeprecatedAlgorithm": True,
                "wantNameId": True,
            },
        },
        sp_validation_only=True,
    )
    split = scenario.acs_url.split("/", 3)
    request_data = {
        "https": "on",
        "http_host": split[2],
        "script_name": "/" + split[3],
        "get_data": {},
    }

    def run(value: str) -> object:
        response = OneLogin_Saml2_Response(settings, value)
        data = {**request_data, "post_data": {"SAMLResponse": value}}
        if not response.is_valid(data, request_id=scenario.request_id, raise_exceptions=True):
            raise AssertionError(f"python3-saml refused the response: {response.get_error()}")
        return response

    return run


def bare_xmlsec(signer: Signer) -> Callable[[str], object]:
    """Return libxmlsec1's check of the assertion signature alone: the speed python-xmlsec offers."""
    import xmlsec
    from lxml import etree

    key = xmlsec.Key.from_memory(signer.cert_pem, xmlsec.constants.KeyDataFormatCertPem)
    signature_path = f"{{{SAML}}}Assertion/{{http://www.w3.org/2000/09/xmldsig#}}Signature"

    def run(value: str) -> object:
        root = etree.fromstring(base64.b64decode(value))
        signature = root.find(signature_path)
        xmlsec.tree.add_ids(signature.getparent(), ["ID"])
        context = xmlsec.SignatureContext()
        context.key = key
        context.verify(signature)
        return signature

    return run


def signxml_verifier(signer: Signer) -> Callable[[str], object]:
    """Return signxml's check of the assertion signature alone, located where SAML puts it."""
    from signxml import SignatureConfiguration, XMLVerifier

    config = SignatureConfiguration(location=f"./{{{SAML}}}Assertion/")
    cert = signer.cert_pem.decode("ascii")

    def run(value: str) -> object:
        # signxml keeps per-call state: a new verifier per call, as its docs ask.
        return XMLVerifier().verify(base64.b64decode(value), x509_cert=cert, expect_config=config)

    return run


def parse_plus_rsa(signer: Signer) -> Callable[[str], object]:
    """Return the floor: what any XML-signature check must at least do (decode, parse, one RSA check)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from lxml import etree

    data = b"x" * 700  # about the size of a canonical SignedInfo
    signature = signer.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    public_key = signer.cert.public_key()

    def run(value: str) -> object:
        root = etree.fromstring(base64.b64decode(value))
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return root

    return run


# --- measurement ------------------------------------------------------------------------------


def rate(run: Callable[[str], object], value: str, seconds: float) -> tuple[float, float]:
    """Return (calls per CPU second, share of the core we got) of ``run(value)``.

    The rate is counted against this process's CPU time, not the wall clock:
    on a busy machine (CI, other developers' test runs) the wall clock also
    counts the time other processes held the core, which would make every
    figure depend on the neighbours. The share shows how busy the core was.
    """
    calls = 0
    batch = 1
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    deadline = cpu_start + seconds
    while True:
        for _ in range(batch):
            run(value)
        calls += batch
        cpu = time.process_time()
        if cpu >= deadline:
            wall = time.perf_counter() - wall_start
            return calls / (cpu - cpu_start), (cpu - cpu_start) / wall
        batch = min(batch * 2, 256)


def measure(
    contenders: dict[str, Callable[[str], object]], value: str, rounds: int, seconds: float
) -> tuple[dict[str, float], float]:
    """Interleave the contenders round by round; return each one's median rate and the median core share."""
    for run in contenders.values():
        for _ in range(20):  # warm caches (certificate parsing, schema loading) first
            run(value)
    results: dict[str, list[float]] = {name: [] for name in contenders}
    shares: list[float] = []
    for _ in range(rounds):
        for name, run in contenders.items():
            per_second, share = rate(run, value, seconds)
            results[name].append(per_second)
            shares.append(share)
    return {name: statistics.median(rates) for name, rates in results.items()}, statistics.median(
        shares
    )


def oversized_post(
    signer: Signer, scenario: Scenario, issued: dt.datetime, run: Callable[[str], object]
) -> tuple[float, str, int, int]:
    """Time the refusal of a well-formed 5 MB response and count XML parses during it."""
    from lxml import etree

    import ssoconsole.saml.response as response_module
    import ssoconsole.saml.xml as xml_module

    value = base64.b64encode(
        build_response(signer, scenario, issued=issued, padding_bytes=5 * 1024 * 1024 * 3 // 4)
    ).decode("ascii")
    parses = 0
    originals = (
        etree.fromstring,
        etree.XML,
        etree.parse,
        response_module.parse_untrusted,
        xml_module.parse_untrusted,
    )

    def counting(original):
        def wrapper(*args, **kwargs):
            nonlocal parses
            parses += 1
            return original(*args, **kwargs)

        return wrapper

    etree.fromstring, etree.XML, etree.parse = (counting(f) for f in originals[:3])
    response_module.parse_untrusted = counting(originals[3])
    xml_module.parse_untrusted = counting(originals[4])
    try:
        error = "accepted"
        best = float("inf")
        for _ in range(20):
            start = time.perf_counter()
            try:
                run(value)
            except Exception as exc:  # noqa: BLE001 - the refusal is what is measured
                error = f"{type(exc).__name__} ({getattr(exc, 'code', '')})"
            best = min(best, time.perf_counter() - start)
    finally:
        etree.fromstring, etree.XML, etree.parse = originals[:3]
        response_module.parse_untrusted, xml_module.parse_untrusted = originals[3:]
    return best, error, parses, len(value)


def peak_allocation(run: Callable[[str], object], value: str) -> int:
    """Return the peak of Python-heap allocations during one validation (after a warm-up)."""
    run(value)
    gc.collect()
    tracemalloc.start()
    try:
        run(value)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rss_growth(
    signer: Signer, scenario: Scenario, issued: dt.datetime, now: dt.datetime, xml: bytes
) -> int:
    """Return how far one validation raises the peak resident memory, counting every allocator.

    tracemalloc sees only the Python heap, not the trees libxml2 builds with
    its own malloc. The peak RSS (``ru_maxrss``) sees both, but only ever
    grows, so each measurement runs in a fresh interpreter: it validates a
    small response first (imports, caches, parser), resets the peak to the
    current RSS (Linux ``/proc/self/clear_refs``), validates ``xml`` once
    and reads the peak again.
    """
    import json
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(
            json.dumps(
                {
                    "cert": signer.cert_der.hex(),
                    "warm": base64.b64encode(
                        build_response(signer, scenario, issued=issued)
                    ).decode("ascii"),
                    "value": base64.b64encode(xml).decode("ascii"),
                    "now": now.isoformat(),
                }
            )
        )
        out = subprocess.run(
            [sys.executable, __file__, "--rss-probe", str(job)],
            capture_output=True,
            text=True,
            check=True,
        )
    return int(out.stdout.strip())


def _rss_probe(job_path: str) -> None:
    """Child side of :func:`rss_growth`: print the peak-RSS growth of one validation in bytes."""
    import json

    job = json.loads(Path(job_path).read_text())
    signer_cert = bytes.fromhex(job["cert"])
    scenario = Scenario()
    now = dt.datetime.fromisoformat(job["now"])

    from ssoconsole.saml.config import Expected, IdentityProvider, ServiceProvider, ValidationPolicy
    from ssoconsole.saml.response import validate_response

    sp = ServiceProvider(entity_id=scenario.sp_entity_id, acs_url=scenario.acs_url)
    idp = IdentityProvider(entity_id=scenario.idp_entity_id, signing_certificates=(signer_cert,))
    kwargs = dict(
        sp=sp,
        idp=idp,
        expected=Expected(request_id=scenario.request_id),
        policy=ValidationPolicy(),
        now=now,
    )
    validate_response(job.pop("warm"), **kwargs)
    value = job.pop("value")
    gc.collect()
    # Linux: writing 5 to clear_refs resets VmHWM, the peak RSS, to the current RSS.
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    validate_response(value, **kwargs)
    print((_status_kib("VmHWM") - before) * 1024)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def breakdown(
    signer: Signer, scenario: Scenario, xml: bytes, value: str, now: dt.datetime
) -> list[tuple[str, float | None]]:
    """Time the stages of validate_response separately (CPU microseconds, best of 5).

    This reaches into private helpers of ``ssoconsole.saml`` on purpose: it
    is a diagnostic for finding where the time goes, and is expected to need
    an update when those modules are refactored.
    """
    import hashlib
    import timeit

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from lxml import etree

    from ssoconsole.saml import response as r
    from ssoconsole.saml import xml as x
    from ssoconsole.saml import xmldsig as d
    from ssoconsole.saml.config import Expected, IdentityProvider, ServiceProvider, ValidationPolicy

    sp = ServiceProvider(entity_id=scenario.sp_entity_id, acs_url=scenario.acs_url)
    idp = IdentityProvider(
        entity_id=scenario.idp_entity_id, signing_certificates=(signer.cert_der,)
    )
    policy, expected = ValidationPolicy(), Expected(request_id=scenario.request_id)
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    root = x.parse_untrusted(xml)
    assertion = root.find(f"{{{SAML}}}Assertion")
    signature = assertion.find(f"{ds}Signature")
    signed_info, signature_value = signature[0], signature[1]
    canonical = d._canonical_without(assertion, signature, None)
    signed_octets = etree.tostring(signed_info, method="c14n", exclusive=True)
    raw_signature = base64.b64decode("".join(signature_value.text.split()))
    public_key = signer.cert.public_key()
    verified = d.verify_signed_element(assertion, idp.signing_certificates, policy=policy)

    # Each stage is looked up when it runs, so that one renamed helper
    # costs one line of the table, not the whole table.
    stages: list[tuple[str, Callable[[], Callable[[], object]]]] = [
        (
            "validate_response, whole",
            lambda: (
                lambda: r.validate_response(
                    value, sp=sp, idp=idp, expected=expected, policy=policy, now=now
                )
            ),
        ),
        ("base64 decode with size cap (_decode)", lambda: lambda: r._decode(value, policy)),
        ("parse_untrusted(posted XML)", lambda: lambda: x.parse_untrusted(xml)),
        ("  of which lxml parse alone", lambda: lambda: etree.fromstring(xml, x._parser())),
        (
            "  of which tree checks (_check_tree)",
            lambda: lambda: x._check_tree(root, policy.max_xml_depth),
        ),
        ("Assertion count (_single_assertion)", lambda: lambda: r._single_assertion(root)),
        (
            "verify_signed_element(assertion)",
            lambda: (
                lambda: d.verify_signed_element(assertion, idp.signing_certificates, policy=policy)
            ),
        ),
        (
            "  Reference + duplicate-ID check",
            lambda: (
                lambda: d._single_reference(signed_info.findall(f"{ds}Reference"), assertion, "ID")
            ),
        ),
        (
            "  exc-c14n of the assertion",
            lambda: lambda: d._canonical_without(assertion, signature, None),
        ),
        ("  SHA-256 digest", lambda: lambda: hashlib.sha256(canonical).digest()),
        (
            "  exc-c14n of SignedInfo",
            lambda: lambda: etree.tostring(signed_info, method="c14n", exclusive=True),
        ),
        (
            "  RSA-2048 verify",
            lambda: (
                lambda: public_key.verify(
                    raw_signature, signed_octets, padding.PKCS1v15(), hashes.SHA256()
                )
            ),
        ),
        (
            "  KeyInfo cert decode (several certs only)",
            lambda: lambda: d._key_info_certificates(signature.find(f"{ds}KeyInfo")),
        ),
        ("  re-parse of the signed bytes", lambda: lambda: x.parse_canonical(canonical)),
        (
            "SAML rules on the verified assertion",
            lambda: (
                lambda: r._read_assertion(
                    verified, sp, idp, expected, policy, now, scenario.request_id
                )
            ),
        ),
        ("  of which attributes", lambda: lambda: r._attributes(verified)),
    ]
    results: list[tuple[str, float | None]] = []
    for name, make in stages:
        try:
            stage = make()
            stage()
        except Exception:  # noqa: BLE001 - a renamed private helper; report the gap
            results.append((name, None))
            continue
        best = min(timeit.repeat(stage, number=1000, repeat=5, timer=time.process_time)) / 1000
        results.append((name, best * 1e6))
    return results


def source_revision() -> str:
    """Name the commit of ssoconsole/saml being measured, so recorded figures can be traced."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%h", "--", "ssoconsole/saml"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "ssoconsole/saml"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unknown revision"
    return f"{commit}{' + uncommitted changes' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--rss-probe"]:
        _rss_probe(argv[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median kept)")
    parser.add_argument(
        "--seconds", type=float, default=1.0, help="seconds per contender per round"
    )
    parser.add_argument(
        "--cpu", type=int, default=None, help="core to pin to (default: the last allowed)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of validate_response"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the stages of validate_response"
    )
    args = parser.parse_args(argv)

    cpu = pin_to_one_core(args.cpu)
    signer = Signer.generate()
    scenario = Scenario()
    issued = dt.datetime.now(dt.UTC)
    xml = build_response(signer, scenario, issued=issued)
    value = base64.b64encode(xml).decode("ascii")
    # python3-saml reads the system clock, so the response is issued now and
    # our function is given the same instant; both see a fresh response.
    now = issued + dt.timedelta(seconds=1)

    from importlib.metadata import version

    import lxml
    import lxml.etree
    import xmlsec

    print(
        f"Python {sys.version.split()[0]}, pinned to CPU {cpu} of {os.cpu_count()}; "
        f"ssoconsole at {source_revision()}"
    )
    print(
        f"lxml {lxml.__version__} (libxml2 {'.'.join(map(str, lxml.etree.LIBXML_VERSION))}), "
        f"xmlsec {version('xmlsec')} (libxmlsec1 {'.'.join(map(str, xmlsec.get_libxmlsec_version()))}), "
        f"python3-saml {version('python3-saml')}, signxml {version('signxml')}, "
        f"cryptography {version('cryptography')}"
    )
    print(
        f"Response: {len(xml)} bytes of XML, {len(value)} bytes posted (base64); "
        "assertion signed, RSA-2048, RSA-SHA256/SHA-256"
    )

    validate = ours(signer, scenario, now)
    contenders = {
        "validate_response": validate,
        "python3-saml": python3_saml(signer, scenario),
        "python-xmlsec": bare_xmlsec(signer),
        "signxml": signxml_verifier(signer),
        "parse + RSA": parse_plus_rsa(signer),
    }
    assertion = validate(value)
    assert assertion.name_id == scenario.user, assertion

    print(
        f"\nValidations per CPU second ({args.rounds} interleaved rounds of {args.seconds:g} s, median):"
    )
    rates, share = measure(contenders, value, args.rounds, args.seconds)
    base = rates["python3-saml"]
    for name, per_second in rates.items():
        print(
            f"  {name:<18} {per_second:>9,.0f}/s  {per_second / base:6.1f}x python3-saml  "
            f"{1e6 / per_second:8.1f} us/call"
        )

    print(
        f"  (this process got {share:.0%} of its core's wall-clock time; other load on the machine shows here)"
    )

    print("\nOversized post (a well-formed 5 MB response):")
    seconds, error, parses, size = oversized_post(signer, scenario, issued, validate)
    print(
        f"  validate_response  refused in {seconds * 1e6:.0f} us with {error}; "
        f"XML parses: {parses}; post: {size:,} bytes"
    )

    print("\nMemory of one validate_response, as a multiple of the XML document's size:")
    print(
        "  (Python heap: tracemalloc peak; all allocators incl. libxml2: peak-RSS growth in a fresh process)"
    )
    # One large claim value stresses the copies of the text; thousands of
    # group claims stress libxml2's per-node overhead.
    shapes = [
        ("Entra default", 2, 0),
        ("64 KiB claim", 2, 64 * 1024),
        ("256 KiB claim", 2, 256 * 1024),
        ("2,000 groups", 2000, 0),
        ("6,000 groups", 6000, 0),
    ]
    for label, groups, pad in shapes:
        doc = build_response(signer, scenario, issued=issued, group_count=groups, padding_bytes=pad)
        peak = peak_allocation(validate, base64.b64encode(doc).decode("ascii"))
        rss = rss_growth(signer, scenario, issued, now, doc) if len(doc) > 50_000 else None
        rss_text = (
            f"{rss:>10,} bytes = {rss / len(doc):4.1f}x"
            if rss is not None
            else "(too small to see in RSS)"
        )
        print(
            f"  {label:<14} {len(doc):>8,} bytes: Python heap {peak:>9,} bytes = {peak / len(doc):4.1f}x;"
            f" all allocators {rss_text}"
        )

    if args.breakdown:
        print("\nStages of validate_response (CPU us per call, best of 5 x 1000):")
        for name, micros in breakdown(signer, scenario, xml, value, now):
            print(
                f"  {name:<44} {micros:8.1f}"
                if micros is not None
                else f"  {name:<44}      n/a (helper changed)"
            )

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            validate(value)
        profiler.disable()
        print("\ncProfile of 2000 validate_response calls (by own time):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(20)

    print(f"\nvalidate_response vs python3-saml: {rates['validate_response'] / base:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
