"""Remove one validation rule at a time and check that some SAML core test fails.

Not a test module (pytest does not collect it): run it by hand after changing
a rule, ``.venv/bin/python tests/saml/mutants.py [name-filter ...]``. Each
mutant is applied to a copy of ``ssoconsole`` and ``tests/saml`` in a
temporary directory, never to the checkout. A mutant that no test kills is
a rule without a test; the script lists them at the end.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
W = Path(tempfile.mkdtemp(prefix="saml-mutants-"))
MUTANTS = [
    ("xmldsig", "multiple signatures", "    if len(signatures) > 1:\n", "    if False:\n"),
    (
        "xmldsig",
        "object in signature",
        "any(t != _KEY_INFO for t in tags[2:]) or len(tags) > 3",
        "False",
    ),
    ("xmldsig", "c14n method", "    if algorithm != EXC_C14N:\n", "    if False:\n"),
    (
        "xmldsig",
        "sha1 signature",
        '    if method[1] == "sha1" and not policy.insecure_allow_sha1:',
        "    if False:",
    ),
    (
        "xmldsig",
        "sha1 digest",
        "    if digest[1] and not policy.insecure_allow_sha1:",
        "    if False:",
    ),
    ("xmldsig", "one reference", "    if len(references) != 1:", "    if not references:"),
    (
        "xmldsig",
        "reference uri",
        '    if not element_id or uri != "#" + element_id:',
        "    if False:",
    ),
    ("xmldsig", "duplicate id", "    if same != 1:", "    if False:"),
    (
        "xmldsig",
        "transform allow-list",
        "    if algorithms != [ENVELOPED, EXC_C14N] or not policy.allowed_transforms.issuperset(algorithms):",
        "    if False:",
    ),
    (
        "xmldsig",
        "digest compare",
        "    if not hmac.compare_digest(actual_digest, expected_digest):",
        "    if False:",
    ),
    (
        "xmldsig",
        "signature value",
        "        if _verifies(key, key_type, hash_name, signed_info, value):",
        "        if True:",
    ),
    (
        "xmldsig",
        "keyinfo trusted",
        "    trusted = list(dict.fromkeys(certificates))",
        "    trusted = list(dict.fromkeys(list(certificates) + _key_info_certificates(key_info)))",
    ),
    (
        "xmldsig",
        "return posted element",
        "    return verify_signature(element, certificates, policy=policy, id_attribute=id_attribute).element()",
        "    verify_signature(element, certificates, policy=policy, id_attribute=id_attribute)\n    return element",
    ),
    (
        "xmldsig",
        "content not the digested bytes",
        "    return VerifiedContent(canonical, signer)",
        "    return VerifiedContent(etree.tostring(element), signer)",
    ),
    ("xmldsig", "untrusted-key diagnosis", "    if unknown and not preferred:", "    if False:"),
    ("response", "size cap", "    if len(value) > limit:", "    if False:"),
    (
        "response",
        "strict base64",
        "binascii.a2b_base64(value, strict_mode=True)",
        "binascii.a2b_base64(value)",
    ),
    ("response", "root is Response", "    if root.tag != RESPONSE:", "    if False:"),
    (
        "response",
        "version",
        '    if root.get("Version") != "2.0" or not root.get("ID"):',
        "    if False:",
    ),
    (
        "response",
        "status",
        "    if value == SUCCESS:\n        return",
        "    if True:\n        return",
    ),
    (
        "response",
        "one assertion",
        "    if everywhere != 1 or len(children) != 1:",
        "    if len(children) < 1:",
    ),
    (
        "response",
        "signature required",
        '        raise SignatureMissing("Neither the Response nor its Assertion is signed.")',
        "        return response, lambda: posted, False, signer",
    ),
    ("response", "posted tree kept during re-parse", "    del root, response\n", "    pass\n"),
    (
        "response",
        "read the posted assertion",
        "    return response, verified.element, response_signed, verified.certificate",
        "    return response, lambda: posted, response_signed, verified.certificate",
    ),
    (
        "response",
        "require_signed_assertion",
        "    if policy.require_signed_assertion:\n        raise",
        "    if False:\n        raise",
    ),
    (
        "response",
        "issuer value",
        "    if issuer != idp.entity_id or fmt not in (None, ENTITY_FORMAT):",
        "    if fmt not in (None, ENTITY_FORMAT):",
    ),
    (
        "response",
        "issuer format",
        "    if issuer != idp.entity_id or fmt not in (None, ENTITY_FORMAT):",
        "    if issuer != idp.entity_id:",
    ),
    (
        "response",
        "response issuer required when signed",
        "    if issuer is None and not required:",
        "    if issuer is None:",
    ),
    (
        "response",
        "destination missing",
        "        if signed:\n            raise e.DestinationMissing",
        "        if False:\n            raise e.DestinationMissing",
    ),
    ("response", "destination value", "    if destination != sp.acs_url:", "    if False:"),
    (
        "response",
        "unsolicited",
        "    if not in_response_to:\n        raise e.UnsolicitedResponse",
        "    if False:\n        raise e.UnsolicitedResponse",
    ),
    (
        "response",
        "in response to",
        "    if in_response_to != expected.request_id:",
        "    if False:",
    ),
    (
        "response",
        "assertion version",
        '    if assertion.get("Version") != "2.0" or not assertion_id:',
        "    if False:",
    ),
    (
        "response",
        "assertion issuer",
        '    _check_issuer(parts.get(ISSUER), idp, "Assertion")',
        "    pass",
    ),
    (
        "response",
        "bearer only",
        '    bearers = [c for c in subject.iterchildren(SUBJECT_CONFIRMATION) if c.get("Method") == BEARER]',
        "    bearers = list(subject.iterchildren(SUBJECT_CONFIRMATION))",
    ),
    ("response", "any fitting bearer", "            failures.append(failure)", "            raise"),
    ("response", "recipient", "    if recipient != sp.acs_url:", "    if False:"),
    (
        "response",
        "scd expiry",
        "        raise _expired(e.SubjectConfirmationExpired, not_on_or_after, now, policy)",
        "        pass",
    ),
    (
        "response",
        "scd in response to",
        '    if data.get("InResponseTo") != expected.request_id:',
        "    if False:",
    ),
    (
        "response",
        "conditions required",
        "    if conditions is None:\n        raise",
        "    if False:\n        raise",
    ),
    (
        "response",
        "not before",
        "    if not_before is not None and not_before > now + policy.clock_skew:",
        "    if False:",
    ),
    (
        "response",
        "skew on not before",
        "    if not_before is not None and not_before > now + policy.clock_skew:",
        "    if not_before is not None and not_before > now:",
    ),
    (
        "response",
        "conditions expiry",
        "        raise _expired(e.AssertionExpired, not_on_or_after, now, policy)",
        "        pass",
    ),
    (
        "response",
        "skew on expiry",
        "    if not_on_or_after is not None and now - policy.clock_skew >= not_on_or_after:",
        "    if not_on_or_after is not None and now >= not_on_or_after:",
    ),
    (
        "response",
        "unknown conditions",
        "    if unknown:\n        raise e.ConditionUnsupported",
        "    if False:\n        raise e.ConditionUnsupported",
    ),
    ("response", "audience", "    if not restrictions or any(", "    if False and any("),
    (
        "response",
        "every restriction",
        "    if not restrictions or any(",
        "    if not restrictions or all(",
    ),
    (
        "response",
        "name id required",
        "    if name_id is None:\n        raise e.NameIDMissing()",
        "    if name_id is None:\n        return '', None",
    ),
    (
        "response",
        "name id children",
        "    if len(name_id) and any(isinstance(child.tag, str) for child in name_id):",
        "    if False:",
    ),
    (
        "response",
        "name id empty",
        "    if not value.strip():\n        raise e.NameIDMissing",
        "    if False:\n        raise e.NameIDMissing",
    ),
    (
        "response",
        "authn statement",
        "    if statement is None:\n        raise e.AuthnStatementMissing()",
        "    if statement is None:\n        return {'authn_instant': now}",
    ),
    (
        "response",
        "session expiry",
        "        raise _expired(e.SessionExpired, session_end, now, policy)",
        "        pass",
    ),
    ("response", "time syntax", "    if not _DATETIME.fullmatch(value):", "    if False:"),
    (
        "response",
        "nil skipped",
        '        if value.get(XSI_NIL) not in ("true", "1"):',
        "        if True:",
    ),
    (
        "encryption",
        "weak key transport",
        "    if algorithm not in (RSA_OAEP_MGF1P, RSA_OAEP):",
        "    if False:",
    ),
    (
        "encryption",
        "weak content",
        "    if content_alg not in CONTENT_ALGORITHMS:",
        "    if content_alg not in CONTENT_ALGORITHMS and False:",
    ),
    (
        "encryption",
        "one assertion plaintext",
        "    if len(children) != 1 or children[0].tag != _ASSERTION",
        "    if not children or children[0].tag != _ASSERTION",
    ),
    (
        "encryption",
        "key required",
        "    if not key_pem:\n        raise EncryptionKeyMissing()",
        "    if False:\n        raise EncryptionKeyMissing()",
    ),
    (
        "xml",
        "dtd check",
        "    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:",
        "    if False:",
    ),
    ("xml", "depth", "    if _too_deep(max_depth)(root):", "    if False:"),
    ("xml", "size", "    if len(data) > max_bytes:", "    if False:"),
]
TESTS = [
    "tests/saml/test_xml.py",
    "tests/saml/test_xmldsig.py",
    "tests/saml/test_response.py",
    "tests/saml/test_response_attacks.py",
    "tests/saml/test_encryption.py",
    "tests/saml/test_samples.py",
]
only = sys.argv[1:]
survivors = []
for module, name, old, new in MUTANTS:
    if only and not any(o in name for o in only):
        continue
    if W.exists():
        shutil.rmtree(W)
    shutil.copytree(
        SRC / "ssoconsole", W / "ssoconsole", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        SRC / "tests" / "saml", W / "tests" / "saml", ignore=shutil.ignore_patterns("__pycache__")
    )
    path = W / "ssoconsole" / "saml" / f"{module}.py"
    text = path.read_text()
    if text.count(old) != 1:
        print(f"?? {module}: {name}: pattern found {text.count(old)} times")
        survivors.append(name)
        continue
    path.write_text(text.replace(old, new))
    r = subprocess.run(
        [
            str(SRC / ".venv/bin/pytest"),
            "-q",
            "-x",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "--confcutdir=tests/saml",
            *TESTS,
        ],
        cwd=W,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(W), "PATH": "/usr/bin:/bin"},
    )
    killed = r.returncode != 0
    print(("killed  " if killed else "SURVIVED"), module, name, flush=True)
    if not killed:
        survivors.append(name)
print("survivors:", survivors)
shutil.rmtree(W, ignore_errors=True)
sys.exit(1 if survivors else 0)
