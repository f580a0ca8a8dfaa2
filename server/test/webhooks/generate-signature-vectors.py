#!/usr/bin/env python3
"""Writes signature-vectors.json: webhook signatures computed with Python's hmac, independently of
the TypeScript signer the tests check against them. Run from the repository root."""

import base64, hashlib, hmac, json

def standard(secret, msg_id, t, body):
    key = base64.b64decode(secret[len("whsec_"):])
    return base64.b64encode(hmac.new(key, f"{msg_id}.{t}.{body}".encode(), hashlib.sha256).digest()).decode()

def faxseal(secret, t, body):
    return hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()

def vector(name, note, secrets, msg_id, t, body):
    return {
        "name": name, "note": note, "secrets": secrets, "id": msg_id, "timestamp": t, "body": body,
        "expected": {
            "x-faxseal-signature": ",".join([f"t={t}"] + [f"v1={faxseal(s, t, body)}" for s in secrets]),
            "webhook-id": msg_id,
            "webhook-timestamp": str(t),
            "webhook-signature": " ".join(f"v1,{standard(s, msg_id, t, body)}" for s in secrets),
        },
    }

s1 = "whsec_" + base64.b64encode(bytes(range(32))).decode()
s2 = "whsec_" + base64.b64encode(bytes(range(32, 64))).decode()
fax = json.dumps({
    "id": "evt_01hzx3v8k2m4n6p8r0s2t4v6w8", "event": "fax.received", "createdAt": "2024-06-01T12:00:00.000Z",
    "externalUserId": "user-42", "faxId": "fax_01hzx3v7aaaaaaaaaaaaaaaaaa", "from": "+12125550100",
    "to": "+13105550123", "pages": 2, "ocrText": "Referral for Jane Smith — DOB 1985-03-14",
    "pdfUrl": "https://fax.example.test/files/abc?sig=x", "pdfUrlExpiresAt": "2024-06-01T13:00:00.000Z",
}, separators=(",", ":"), ensure_ascii=False)

doc = {
    "description": "Webhook signature test vectors, computed independently with Python's hmac (generate-signature-vectors.py). x-faxseal-signature: hex HMAC-SHA256 keyed with the whole secret string (UTF-8, whsec_ included) over '<t>.<body>'. webhook-signature: base64 HMAC-SHA256 keyed with base64-decode(secret without whsec_) over '<id>.<t>.<body>'.",
    "vectors": [
        vector("standard-webhooks-spec-example",
               "The example from the Standard Webhooks specification; its webhook-signature is the published value.",
               ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'),
        vector("fax-received-one-secret", "A fax.received body with non-ASCII text (UTF-8 bytes are signed).",
               [s1], "evt_01hzx3v8k2m4n6p8r0s2t4v6w8", 1717243200, fax),
        vector("rotation-two-secrets", "During rotation both secrets sign, newest first, in both headers.",
               [s2, s1], "evt_01hzx3v8k2m4n6p8r0s2t4v6w8", 1717243260, fax),
    ],
}
with open("server/test/webhooks/signature-vectors.json", "w", encoding="utf-8") as f:
    f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
