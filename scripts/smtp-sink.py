"""An SMTP server for tests: aiosmtpd on 127.0.0.1:PORT saving each message it accepts
to DIR as JSON ({from, to, subject, text, attachments, data}: the subject and the text
body decoded as a mail client shows them, each attachment's filename, content type and
base64 bytes, and the raw message). Prints "ready" once it listens; stops when
its standard input closes. Usage: smtp-sink.py DIR PORT (see scripts/smtp-sink.sh)."""

import base64
import email
import email.policy
import json
import os
import sys
import time

from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])


class Save:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        saved = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "text": body.get_content() if body is not None else "",
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "base64": base64.b64encode(part.get_payload(decode=True)).decode(),
                }
                for part in message.iter_attachments()
            ],
            "data": raw.decode("utf-8", "replace"),
        }
        name = os.path.join(out, "%d.json" % time.time_ns())
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(saved, f, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        return "250 OK"


controller = Controller(Save(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
