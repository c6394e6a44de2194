"""PagerDuty's own Events API v2 client (the `pagerduty` package) against Klaxon.

The client only speaks https, so this puts a TLS proxy (a throwaway certificate the client
is told to trust) in front of Klaxon's plain HTTP address, then sends events the way any
program using the package would. Prints what the client returned, as JSON.

Arguments: klaxon_host klaxon_port cert.pem key.pem routing_key
"""
import datetime
import json
import os
import socket
import ssl
import sys
import threading

import pagerduty

host, port, cert, key, routing_key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve():
    while True:
        conn, _ = listener.accept()
        try:
            secure = tls.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            continue
        upstream = socket.create_connection((host, port))
        threading.Thread(target=pipe, args=(secure, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, secure), daemon=True).start()


threading.Thread(target=serve, daemon=True).start()
# trust the throwaway certificate (the client is built on httpx, which reads SSL_CERT_FILE)
os.environ["SSL_CERT_FILE"] = cert
os.environ["REQUESTS_CA_BUNDLE"] = cert
base = f"https://localhost:{listener.getsockname()[1]}"

client = pagerduty.EventsApiV2Client(routing_key, base_url=base)
out = {
    "trigger": client.trigger("Checkout error rate above 5%", "prometheus", dedup_key="checkout-5xx", severity="critical", custom_details={"rate": "7%"}),
    "repeat": client.trigger("Checkout error rate above 5%", "prometheus", dedup_key="checkout-5xx"),
    "generated": client.trigger("Disk almost full on db-7", "node-exporter", severity="warning"),
    "acknowledge": client.acknowledge("checkout-5xx"),
    "resolve": client.resolve("checkout-5xx"),
    "resolve_unknown": client.resolve("never-triggered"),
}
# (the package's own default timestamp is broken in 7.2.0: it calls datetime.timezone on the
# datetime class; any caller passing a timestamp, as this one does, is unaffected)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
client.submit("Deployed checkout v42", source="ci", custom_details={"commit": "abc123"}, timestamp=now)

stranger = pagerduty.EventsApiV2Client("0123456789abcdef0123456789abcdef", base_url=base)
try:
    stranger.trigger("Not ours", "nowhere")
    out["unknown_key"] = "accepted"
except pagerduty.Error as e:
    out["unknown_key"] = type(e).__name__
print(json.dumps(out))
