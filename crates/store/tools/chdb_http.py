"""Run websense-store's ClickHouse tests against a current ClickHouse release.

CI installs ClickHouse 18.16 (Debian's); production runs current releases. chdb (PyPI) is the
current ClickHouse engine in process; this serves just enough of ClickHouse's HTTP interface
on top of it for the `clickhouse` crate: queries in the POST body with `default_format`,
inserts as `query=INSERT ... FORMAT RowBinary` with an LZ4-framed body (read through
`file(..., 'RowBinary')`). One request at a time (parallel tests are serialised by a lock).

`scripts/test` starts it through `scripts/services start` and runs the store's ClickHouse suite
against it after the main run. By hand:

    python3 -m venv /tmp/chdb && /tmp/chdb/bin/pip install chdb==4.4.0 lz4
    /tmp/chdb/bin/python crates/store/tools/chdb_http.py 18123 &
    WEBSENSE_TEST_CLICKHOUSE=http://127.0.0.1:18123 cargo test -p websense-store \
        --test clickhouse --test equality
"""
import http.server, urllib.parse, tempfile, os, re, sys, threading
import chdb.session as cs
import lz4.block

session = cs.Session(tempfile.mkdtemp())
lock = threading.Lock()
tmp = tempfile.mkdtemp()


def decompress(body: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(body):
        method = body[i + 16]
        compressed = int.from_bytes(body[i + 17:i + 21], "little")
        size = int.from_bytes(body[i + 21:i + 25], "little")
        payload = body[i + 25:i + 16 + compressed]
        if method == 0x82:
            out += lz4.block.decompress(payload, uncompressed_size=size)
        elif method == 0x02:
            out += payload
        else:
            raise ValueError(f"compression method {method:#x}")
        i += 16 + compressed
    return bytes(out)


def run(sql, fmt="TSV"):
    return session.query(sql, fmt).bytes()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK hold
    # every answer ~40 ms (25 of a 36 s test were spent waiting so).
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, code, data):
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))) if self.headers.get("Content-Length") else self.read_chunked()
        db = params.get("database")
        try:
            with lock:
                if "query" in params and params["query"].upper().startswith("INSERT"):
                    data = decompress(body) if params.get("decompress") == "1" else body
                    m = re.match(r'INSERT INTO\s+([`"]?[\w.]+[`"]?)\s*\((.*?)\)\s*FORMAT RowBinary', params["query"], re.S)
                    if not m:
                        raise ValueError("unexpected insert: " + params["query"])
                    table = m.group(1).strip('`"')
                    if "." not in table and db:
                        table = f"{db}.{table}"
                    cols = [c.strip().strip('`"') for c in m.group(2).split(",")]
                    types = dict(
                        line.split("\t")[:2]
                        for line in run(f"DESCRIBE TABLE {table}").decode().splitlines()
                    )
                    structure = ", ".join(f"{c} {types[c].replace(chr(92), '')}" for c in cols)
                    path = os.path.join(tmp, "insert.bin")
                    with open(path, "wb") as f:
                        f.write(data)
                    quoted = structure.replace("'", "\\'")
                    run(f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM file('{path}', 'RowBinary', '{quoted}')")
                    return self.reply(200, b"")
                sql = body.decode()
                # The chdb session's current database is shared by every request: set it on
                # each one (under the lock), so parallel tests in different databases can't mix.
                current = "default"
                if db and db != "default":
                    exists = run(f"SELECT count() FROM system.databases WHERE name = '{db}'").strip()
                    if exists == b"1":
                        current = db
                run(f"USE {current}")
                fmt = params.get("default_format", "TSV")
                out = run(sql, fmt)
                return self.reply(200, out)
        except Exception as e:  # the crate reads the body of a non-200 answer as the error
            print("ERROR", e, file=sys.stderr)
            return self.reply(500, f"Code: 1. DB::Exception: {e}".encode())

    def read_chunked(self):
        data = bytearray()
        while True:
            size = int(self.rfile.readline().strip(), 16)
            if size == 0:
                self.rfile.readline()
                return bytes(data)
            data += self.rfile.read(size)
            self.rfile.readline()


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
