#!/usr/bin/env python3
"""Instructions per small GET or PUT, for comparing builds where wall clock is too noisy (README,
"Findings").

Usage: integration/bench/callgrind_get.py BINARY presigned|header|put|ceiling|ceiling-put N OUTDIR
  e.g. integration/bench/callgrind_get.py target/release/minis3 presigned 2000 target/callgrind
       integration/bench/callgrind_get.py target/bench/release/minis3-bench ceiling 2000 target/callgrind
(`ceiling` runs the benchmark's bare actix-web server, whose 4 KiB answer from memory is the
ceiling small GETs are measured against; `ceiling-put` sends it the PUTs.)
Starts BINARY under valgrind's callgrind with one HTTP worker on a free 127.0.0.1 port and a fresh
data directory, stores a 4 KiB object with boto3, sends 100 warm-up GETs, zeroes the counters,
sends N identical GETs (a presigned URL, or one SigV4 header signature reused) on one keep-alive
connection, checking every answer (`put`: N presigned 4 KiB PUTs of distinct keys, each
acknowledged durable, so the count includes the write-ahead log's flusher and sled's threads), dumps the counters and stops the server. Prints the dump's
instruction total and instructions per request; `callgrind_annotate --inclusive=yes DUMP` shows
where they go. Needs valgrind and boto3. Under valgrind SHA-256 runs without the CPU's SHA
extensions, so its share is larger than on the real machine."""
import http.client, os, re, signal, socket, subprocess, sys, tempfile, time, glob
import boto3, botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.config import Config

binary, mode, n, outdir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.makedirs(outdir, exist_ok=True)
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
data = tempfile.mkdtemp(prefix="minis3-cg-")
out = os.path.join(outdir, f"callgrind.{mode}.out")
for f in glob.glob(out + "*"): os.remove(f)
log = open(os.path.join(outdir, f"server.{mode}.log"), "w")
ceiling = mode.startswith("ceiling")
server_args = (["ceiling-server", "--port", str(port)] if ceiling else
               ["serve", "--address", f"127.0.0.1:{port}", "--data-dir", data, "--workers", "1"])
proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, *server_args],
                        stdout=log, stderr=log)
try:
    ep = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/_minis3/health")
            if c.getresponse().status == 200 or ceiling: break
        except OSError: time.sleep(0.2)
    else: raise SystemExit("server did not start")
    method, payload, targets = "GET", None, None
    if ceiling:
        # The ceiling answers every GET with the same 4 KiB from memory and drops PUT bodies.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5); c.request("GET", "/bench/obj-4k")
        body, target, headers = c.getresponse().read(), "/bench/obj-4k", {}
        assert len(body) == 4096, len(body)
        if mode == "ceiling-put":
            method, payload, body = "PUT", os.urandom(4096), b""
            targets = [f"/bench/put-{i}" for i in range(n + 100)]
    else:
        s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id="minis3admin", aws_secret_access_key="minis3admin",
                          region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="bench")
        body = os.urandom(4096)
        s3.put_object(Bucket="bench", Key="obj-4k", Body=body)
        if mode == "put":
            method, payload, body = "PUT", os.urandom(4096), b""
            targets = [s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": f"put-{i}"},
                                                 ExpiresIn=3600)[len(ep):] for i in range(n + 100)]
            target, headers = None, {}
        elif mode == "presigned":
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "obj-4k"}, ExpiresIn=3600)
            target = url[len(ep):]; headers = {}
        else:
            r = AWSRequest(method="GET", url=f"{ep}/bench/obj-4k", headers={"x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})
            SigV4Auth(Credentials("minis3admin", "minis3admin"), "s3", "us-east-1").add_auth(r)
            target = "/bench/obj-4k"; headers = dict(r.headers.items())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sent = 0
    def get(k):
        global sent
        for _ in range(k):
            t = target if targets is None else targets[sent]
            sent += 1
            conn.request(method, t, body=payload, headers=headers)
            resp = conn.getresponse(); b = resp.read()
            if resp.status != 200 or b != body: raise SystemExit(f"bad response {resp.status} {b[:300]!r}")
    get(100)
    subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, stdout=subprocess.DEVNULL)
    get(n)
    subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, stdout=subprocess.DEVNULL)
finally:
    proc.send_signal(signal.SIGTERM)
    try: proc.wait(60)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait()
    subprocess.run(["rm", "-rf", data])
dumps = sorted(f for f in glob.glob(out + ".*") if not f.endswith(".log"))
dump = dumps[0]
total = None
with open(dump) as fh:
    for line in fh:
        if line.startswith("summary:") or line.startswith("totals:"):
            total = int(line.split()[1])
print(f"{mode}: dump={dump} Ir={total} requests={n} Ir/request={total / n:.0f}")
