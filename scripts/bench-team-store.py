#!/usr/bin/env python3
"""The PostgreSQL team store beside the SQLite file, the same data and the same commands, in one run.

Issue 20's four cases, each measured on both stores by the release `confab` as a user runs it
(`--store postgres://…` through CONFAB_STORE for PostgreSQL, the default `.confab/sessions.db` of a
project for SQLite):

1. `confab sessions list` (`--format table` and `--format names`) over --sessions sessions
   (default 100,000), median of --runs;
2. `confab sessions search` over their messages (--messages each, default 10: 1,000,000 in all),
   a word found in one message only and a word in nearly every message, `--limit 20`, median;
3. --importers processes (default 8) running `confab sessions import DIR` at once into the same
   empty store, each its own eighth of the sessions: wall time and sessions/s, and every session
   must arrive (the stored names are compared with the files'). This is also how each store is
   filled for 1 and 2. One importer alone on one eighth, into an empty store, is the baseline;
4. --chatters `confab chat --session S -m …` loops (default 2) in one session at once, --turns
   each, against a fake OpenAI-compatible server of this script on 127.0.0.1 that answers after
   --answer-delay seconds (a model never answers at once; the delay is the window in which the
   other chatter's turn lands). Turns/s, and the transcript is checked: every sent message stored
   once, user and assistant alternate, each answer right after its question, and whether each
   answer was made from the transcript as stored before it (a stale turn was answered without
   the other chatter's last turn). A turn that lost the race three times in a row is given up
   by confab with an error quoting it (nothing saved): counted apart, not as lost.

After the import, PostgreSQL gets a `VACUUM ANALYZE` (timed apart) before list and search: what
autovacuum does to a store in use. The SQLite store and the checkpoint files are removed as soon
as they are no longer needed, so that the peak of scratch space is PostgreSQL's tables beside
the files.

The checkpoints are /work/shared/bench/gen_checkpoints.py's (or --generator), as the other bench
scripts make them: realistic mixed text (English, `naïve`, `日本`, an emoji, inline code, YAML
fences); one message of one session gets the rare word. Everything lives in one temp dir (or
under --scratch), removed at the end, as is the PostgreSQL server.

PostgreSQL: CONFAB_BENCH_POSTGRES=postgres://… uses that server (the user needs CREATE on the
database: each store is a schema of its own, dropped at the end). Otherwise a throw-away server
is started as stores/postgres/src/tests.rs starts one: initdb from the PATH or
/usr/lib/postgresql/<newest>/bin, a new cluster in a temp dir, 127.0.0.1 only, a free port, as
`nobody` under root (the server refuses root), default settings except --pg-fsync (on by
default, as a real server runs) and `max_wal_size=256MB` (less scratch space). A shell beside it waits on a pipe from this script; when the
script ends, however it ends (Ctrl-C, an error, a kill), the pipe closes and the shell stops the
server and removes the cluster.

Usage: python3 scripts/bench-team-store.py [--quick] [--chat-only] [--sessions N] [--messages M] [--runs R]
           [--importers K] [--chatters C] [--turns T] [--answer-delay S] [--pg-fsync on|off]
           [--scratch DIR] [--generator PATH]
Needs: cargo, python3, PostgreSQL's server binaries (Debian: apt-get install postgresql), or
CONFAB_BENCH_POSTGRES and psql on the PATH.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = Path("/work/shared/bench/gen_checkpoints.py")
RARE_WORD = "zyzzyva"
COMMON_WORD = "terraform"
CHAT_SESSION = "team-chat"


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def server_binaries():
    """The directory of initdb, postgres and psql: the PATH's, else Debian's newest."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted((path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").is_file()),
                      key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    if not versions:
        sys.exit("no initdb on the PATH or in /usr/lib/postgresql: install PostgreSQL "
                 "(Debian: apt-get install postgresql) or set CONFAB_BENCH_POSTGRES=postgres://…")
    return versions[-1]


def as_server_user(command):
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


class ThrowawayServer:
    """A PostgreSQL cluster in a temp dir on 127.0.0.1, gone when this process ends."""

    SCRIPT = r'''
        "$1/postgres" -D "$2" -p "$3" -k "$4" -c listen_addresses=127.0.0.1 -c fsync="$5" \
            -c max_wal_size=256MB >"$4/log" 2>&1 &
        server=$!
        read _ignored
        kill -INT "$server"
        wait "$server"
        rm -rf "$4"
    '''

    def __init__(self, fsync):
        self.bin = server_binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="confab-bench-pg-"))
        if os.geteuid() == 0:
            subprocess.run(["chown", "nobody", str(self.dir)], check=True)
        data = self.dir / "data"
        try:
            subprocess.run(as_server_user([str(self.bin / "initdb"), "-A", "trust", "-U", "confab", "-E", "UTF8",
                                           "--locale=C", "--no-sync", "-D", str(data)]),
                           check=True, stdout=subprocess.DEVNULL)
        except BaseException:
            # Until the shell below owns it, the cluster's dir is this process's to remove.
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.shell = subprocess.Popen(
            as_server_user(["/bin/sh", "-c", self.SCRIPT, "sh", str(self.bin), str(data), str(self.port),
                            str(self.dir), fsync]),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"postgres://confab@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 60
        while subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode:
            if time.monotonic() > deadline:
                self.stop()
                sys.exit("the throw-away PostgreSQL did not start")
            time.sleep(0.2)

    def stop(self):
        if self.shell.stdin and not self.shell.stdin.closed:
            self.shell.stdin.close()
        self.shell.wait(timeout=120)


def psql(bin_dir, url, sql):
    psql_path = bin_dir / "psql" if bin_dir else shutil.which("psql")
    done = subprocess.run([str(psql_path), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"psql failed on {sql[:80]!r}: {done.stderr.strip()}")
    return done.stdout


def in_schema(url, schema):
    """`url` with every connection's search_path set to `schema`."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-c search_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, quote_via=urllib.parse.quote)))


# ---------------------------------------------------------------------------------------------
# Stores


class Store:
    """One store under test: a SQLite project, or a schema of the PostgreSQL database."""

    def __init__(self, label, project, url=None, bin_dir=None):
        self.label = label
        self.project = project
        self.url = url
        self.bin_dir = bin_dir
        project.mkdir(parents=True, exist_ok=True)

    def env(self):
        env = {key: value for key, value in os.environ.items() if key not in ("CONFAB_STORE",)}
        env["OPENAI_API_KEY"] = "sk-bench-not-a-secret"
        if self.url:
            env["CONFAB_STORE"] = self.url
        return env

    def run(self, confab, *words, check=True, stdout=subprocess.DEVNULL):
        done = subprocess.run([confab, *words], cwd=self.project, env=self.env(), stdout=stdout,
                              stderr=subprocess.PIPE, text=stdout is subprocess.PIPE)
        if check and done.returncode:
            stderr = done.stderr if isinstance(done.stderr, str) else done.stderr.decode(errors="replace")
            raise RuntimeError(f"{self.label}: confab {' '.join(words)} failed:\n{stderr[-2000:]}")
        return done

    def names(self, confab):
        listed = self.run(confab, "sessions", "list", "--format", "names", stdout=subprocess.PIPE).stdout
        return [line for line in listed.splitlines() if line]


def sqlite_store(scratch, name):
    project = scratch / f"sqlite-{name}"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    (project / "confab.yaml").write_text("")
    return Store("SQLite", project)


def postgres_store(scratch, base_url, bin_dir, name):
    schema = f"confab_bench_{name}"
    psql(bin_dir, base_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    project = scratch / f"postgres-{name}"
    project.mkdir(parents=True, exist_ok=True)
    (project / "confab.yaml").write_text("")
    store = Store("PostgreSQL", project, in_schema(base_url, schema), bin_dir)
    store.schema = schema
    return store


# ---------------------------------------------------------------------------------------------
# Measuring


def timed(command, cwd, env):
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{command} failed:\n{done.stderr.decode(errors='replace')[-2000:]}")
    return wall


def median_of(store, confab, words, runs):
    walls = [timed([confab, *words], store.project, store.env()) for _ in range(runs)]
    return statistics.median(walls), max(walls)


def import_at_once(store, confab, folders):
    """Runs one `confab sessions import FOLDER` per folder, all at once; wall seconds and the
    failures (exit code and the end of stderr)."""
    processes = []
    started = time.perf_counter()
    for folder in folders:
        err = tempfile.TemporaryFile()
        processes.append((folder, err, subprocess.Popen([confab, "sessions", "import", str(folder)],
                                                        cwd=store.project, env=store.env(),
                                                        stdout=subprocess.DEVNULL, stderr=err)))
    failures = []
    try:
        for folder, err, process in processes:
            code = process.wait()
            if code:
                err.seek(0)
                failures.append(f"{folder.name}: exit {code}: {err.read().decode(errors='replace')[-600:]}")
            err.close()
    finally:
        for _, _, process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return time.perf_counter() - started, failures


# ---------------------------------------------------------------------------------------------
# The fake provider


class FakeOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions answered after the server's delay with
    `answer to [<last user message>] after <n> messages`, n the messages the request carried."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                body += self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = json.loads(body)
        messages = [m for m in request["messages"] if m.get("role") in ("user", "assistant")]
        question = messages[-1]["content"] if messages else ""
        if isinstance(question, list):
            question = "".join(part.get("text", "") for part in question)
        with self.server.lock:
            self.server.requests.append((question, len(messages)))
        time.sleep(self.server.delay)
        text = f"answer to [{question}] after {len(messages)} messages"
        if request.get("stream"):
            chunks = [
                {"model": "bench", "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            answer = b"".join(b"data: " + json.dumps(chunk).encode() + b"\n\n" for chunk in chunks)
            answer += b"data: [DONE]\n\n"
            content_type = "text/event-stream"
        else:
            answer = json.dumps({
                "model": "bench",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(body) // 4, "completion_tokens": 8},
            }).encode()
            content_type = "application/json"
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(answer)}\r\n"
                "Connection: close\r\n\r\n").encode()
        self.wfile.write(head + answer)
        self.close_connection = True

    def log_message(self, *_):
        pass


def start_provider(delay):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    server.daemon_threads = True
    server.requests = []
    server.lock = threading.Lock()
    server.delay = delay
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


ANSWER = re.compile(r"^answer to \[(.*)\] after (\d+) messages$", re.S)


def chatters(store, confab, provider, chatters_count, turns):
    """The chat case on `store`: returns a dict of figures and the problems found."""
    (store.project / "confab.yaml").write_text(
        "default_provider: openai\nproviders:\n  openai:\n"
        f"    base_url: http://127.0.0.1:{provider.server_address[1]}/v1\n"
        "    model: bench\n    api_key_env: OPENAI_API_KEY\n    timeout: 120\n")
    # The session exists before the race: two first turns at once are a different question
    # (whose `create` wins), not the one asked here.
    store.run(confab, "chat", "--session", CHAT_SESSION, "-m", "seed")
    with provider.lock:
        provider.requests.clear()
    sent, failed = [], []
    lock = threading.Lock()

    def loop(who):
        for turn in range(turns):
            text = f"chatter {who} turn {turn}"
            done = subprocess.run([confab, "chat", "--session", CHAT_SESSION, "-m", text], cwd=store.project,
                                  env=store.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            with lock:
                (sent if done.returncode == 0 else failed).append(
                    text if done.returncode == 0 else f"{text}: {done.stderr.decode(errors='replace').strip()[-300:]}")

    threads = [threading.Thread(target=loop, args=(who,)) for who in range(chatters_count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    out = store.project / "chat.json"
    store.run(confab, "sessions", "export", CHAT_SESSION, "-o", str(out))
    messages = json.loads(out.read_text())["messages"]
    out.unlink()
    problems = []
    roles = [message["role"] for message in messages]
    if any(role != ("user" if index % 2 == 0 else "assistant") for index, role in enumerate(roles)):
        problems.append("user and assistant do not alternate")
    texts = [message["content"] for message in messages]
    users = texts[0::2]
    stored_turns = users[1:]  # after the seed
    duplicates = len(stored_turns) - len(set(stored_turns))
    lost = sorted(set(sent) - set(stored_turns))
    unsent = sorted(set(stored_turns) - set(sent))
    if duplicates:
        problems.append(f"{duplicates} duplicate user messages")
    if lost:
        problems.append(f"{len(lost)} turns lost, e.g. {lost[:3]}")
    if unsent:
        problems.append(f"{len(unsent)} stored turns whose command failed, e.g. {unsent[:3]}")
    # A turn beaten by the other chatter ATTEMPTS times in a row is given up with an error that
    # quotes it (exit 1, nothing saved): refused, not lost. Any other failure is a problem.
    given_up = [text for text in failed if "kept changing" in text]
    others = [text for text in failed if "kept changing" not in text]
    if others:
        problems.append(f"{len(others)} chat commands failed, e.g. {others[:2]}")
    misplaced, stale = 0, 0
    for index in range(0, len(texts) - 1, 2):
        match = ANSWER.match(texts[index + 1])
        if not match or match.group(1) != texts[index]:
            misplaced += 1
        elif int(match.group(2)) != index + 1:
            stale += 1
    if len(texts) % 2:
        misplaced += 1
    if misplaced:
        problems.append(f"{misplaced} answers not right after their question")
    if stale:
        problems.append(f"{stale} answers made from a transcript without the other chatter's last turn")
    with provider.lock:
        requests = len(provider.requests)
    return {
        "wall": wall, "sent": len(sent), "stored": len(stored_turns), "failed": len(failed), "given_up": len(given_up),
        "requests": requests, "stale": stale, "turns_per_s": len(stored_turns) / wall if wall else 0,
    }, problems


# ---------------------------------------------------------------------------------------------
# Data


def generate(generator, scratch, sessions, messages, content, parts):
    """`parts` folders of checkpoints, `sessions` in all, names bench-000000 … in order; one
    message of one session carries RARE_WORD. Returns the folders and the names."""
    pool = scratch / "checkpoints"
    subprocess.run([sys.executable, str(generator), str(pool), str(sessions), str(messages), str(content), "json"],
                   check=True)
    files = sorted(pool.iterdir())
    if len(files) != sessions:
        sys.exit(f"the generator wrote {len(files)} files, not {sessions}")
    needle = files[len(files) // 2]
    checkpoint = json.loads(needle.read_text())
    checkpoint["messages"][0]["content"] += f" {RARE_WORD}"
    needle.write_text(json.dumps(checkpoint, indent=2, ensure_ascii=False))
    folders = []
    for part in range(parts):
        folder = scratch / f"part-{part}"
        folder.mkdir()
        for path in files[part::parts]:
            path.rename(folder / path.name)
        folders.append(folder)
    pool.rmdir()
    names = sorted(path.stem for path in files)
    return folders, names


def disk_free(path):
    usage = shutil.disk_usage(path)
    return usage.free


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a quick check: 2,000 sessions, 3 runs, 10 turns per chatter")
    parser.add_argument("--sessions", type=int, help="sessions in each store (default 100,000)")
    parser.add_argument("--messages", type=int, default=10, help="messages per session (default 10)")
    parser.add_argument("--content", type=int, default=200, help="bytes of text per message")
    parser.add_argument("--runs", type=int, help="runs of list and search, median (default 5)")
    parser.add_argument("--importers", type=int, default=8)
    parser.add_argument("--chatters", type=int, default=2)
    parser.add_argument("--turns", type=int, help="turns per chatter (default 100)")
    parser.add_argument("--answer-delay", type=float, default=0.02,
                        help="seconds the fake provider takes to answer (default 0.02)")
    parser.add_argument("--chat-only", action="store_true",
                        help="only the chatters, on empty stores (no checkpoints generated)")
    parser.add_argument("--pg-fsync", choices=["on", "off"], default="on",
                        help="fsync of the throw-away server (default on)")
    parser.add_argument("--scratch", type=Path, help="where the temp dir goes (default: the system's)")
    parser.add_argument("--generator", type=Path, default=GENERATOR)
    args = parser.parse_args()
    sessions = args.sessions or (2_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 5)
    turns = args.turns or (10 if args.quick else 100)
    if sessions % args.importers:
        sys.exit("--sessions must be a multiple of --importers")

    # A Ctrl-C or a kill ends in the `finally` below, which removes everything.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    # At the peak, while PostgreSQL is measured (the SQLite store is gone by then): the files
    # (~1.3x the text with JSON, indentation and file blocks), PostgreSQL (~3.5x: the JSON body,
    # the text, its tsvector, the GIN index) and its WAL (max_wal_size 256 MB, and a margin).
    estimate = 0 if args.chat_only else sessions * args.messages * (args.content + 100) * (1.3 + 3.5) + (300 << 20)
    scratch_parent = args.scratch.resolve() if args.scratch else Path(tempfile.gettempdir())
    scratch_parent.mkdir(parents=True, exist_ok=True)
    if disk_free(scratch_parent) < estimate * 1.3:
        sys.exit(f"{disk_free(scratch_parent) / 1e9:.1f} GB free under {scratch_parent}; this run needs about "
                 f"{estimate / 1e9:.1f} GB (and a margin): use fewer --sessions or another --scratch")

    subprocess.run(["cargo", "build", "--release", "-q", "--bin", "confab"], cwd=ROOT, check=True)
    confab = str(ROOT / "target" / "release" / "confab")

    scratch = Path(tempfile.mkdtemp(prefix="confab-bench-team-", dir=scratch_parent))
    server = None
    provider = None
    stores = []
    try:
        given = os.environ.get("CONFAB_BENCH_POSTGRES")
        if given:
            base_url, bin_dir, fsync = given, None, "as the server is set"
        else:
            server = ThrowawayServer(args.pg_fsync)
            base_url, bin_dir, fsync = server.url, server.bin, args.pg_fsync
        version = psql(bin_dir, base_url, "SHOW server_version").strip()
        settings = psql(bin_dir, base_url, "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM "
                        "pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', "
                        "'max_wal_size')").strip()

        def fresh(label, name):
            if label == "SQLite":
                return sqlite_store(scratch, name)
            store = postgres_store(scratch, base_url, bin_dir, name)
            stores.append(store)
            return store

        provider = start_provider(args.answer_delay)
        problems = []
        if args.chat_only:
            results = {}
            for label in ("SQLite", "PostgreSQL"):
                chat, chat_problems = chatters(fresh(label, "chat"), confab, provider, args.chatters, turns)
                results[label] = chat
                problems += [f"{label}, {args.chatters} chatters: {problem}" for problem in chat_problems]
                log(f"{label}: chatters {chat}")
            print_chat_only(args, turns, version, fsync, settings, results)
            return report_problems(problems, chat_only=True)

        started = time.perf_counter()
        folders, names = generate(args.generator, scratch, sessions, args.messages, args.content, args.importers)
        size = sum(path.stat().st_size for folder in folders for path in folder.iterdir())
        log(f"generated {sessions:,} checkpoints x {args.messages} messages ({size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.0f} s")
        per_part = sessions // args.importers
        results = {}
        explains = []
        for label in ("SQLite", "PostgreSQL"):
            figures = results[label] = {}
            # Case 3's baseline: one importer alone, one part, an empty store.
            single = fresh(label, "single")
            wall, failures = import_at_once(single, confab, folders[:1])
            problems += [f"{label}, one importer: {failure}" for failure in failures]
            figures["import1"] = (wall, per_part / wall)
            if sorted(single.names(confab)) != names[0::args.importers]:
                problems.append(f"{label}, one importer: the stored names are not the files'")
            if label == "SQLite":
                shutil.rmtree(single.project)
            else:
                psql(bin_dir, base_url, f"DROP SCHEMA {single.schema} CASCADE")
                stores.remove(single)
            log(f"{label}: one importer, {per_part:,} sessions: {wall:.1f} s")

            # Case 3: every part at once into one empty store, which cases 1, 2 and 4 then use.
            store = fresh(label, "main")
            wall, failures = import_at_once(store, confab, folders)
            problems += [f"{label}, {args.importers} importers: {failure}" for failure in failures]
            stored = store.names(confab)
            missing = sorted(set(names) - set(stored))
            figures["importK"] = (wall, sessions / wall, len(stored), len(missing))
            if missing or len(stored) != sessions:
                problems.append(f"{label}, {args.importers} importers: {len(stored):,} sessions stored, "
                                f"{len(missing):,} missing (e.g. {missing[:3]})")
            if label == "PostgreSQL":
                # The files are not needed any more: the disk this runs on may be small.
                for folder in folders:
                    shutil.rmtree(folder)
            log(f"{label}: {args.importers} importers, {sessions:,} sessions: {wall:.1f} s, "
                f"{len(stored):,} stored")

            # The first search: SQLite catches its index up here if the importers left any
            # backlog; PostgreSQL indexed at insert. Untimed in the medians.
            first = timed([confab, "sessions", "search", RARE_WORD], store.project, store.env())
            figures["first_search"] = first

            # What autovacuum does to a store in steady use, done now so that every run sees the
            # same tables: the GIN index's pending entries merged, the planner's statistics taken.
            if label == "PostgreSQL":
                vacuum_started = time.perf_counter()
                psql(bin_dir, store.url, "VACUUM ANALYZE")
                figures["vacuum"] = time.perf_counter() - vacuum_started

            figures["list"] = median_of(store, confab, ["sessions", "list", "--format", "table"], runs)
            figures["list_names"] = median_of(store, confab, ["sessions", "list", "--format", "names"], runs)
            for key, word in (("rare", RARE_WORD), ("common", COMMON_WORD)):
                figures[key] = median_of(store, confab, ["sessions", "search", word, "--limit", "20"], runs)
                hits = store.run(confab, "sessions", "search", word, "--limit", "20", "--format", "json",
                                 stdout=subprocess.PIPE, check=False)
                figures[key + "_hits"] = hits.stdout.count('"session"') if hits.returncode == 0 else None
            log(f"{label}: list {figures['list'][0] * 1000:.0f} ms, search rare {figures['rare'][0] * 1000:.0f} ms, "
                f"common {figures['common'][0] * 1000:.0f} ms")

            # Case 4.
            chat, chat_problems = chatters(store, confab, provider, args.chatters, turns)
            figures["chat"] = chat
            problems += [f"{label}, {args.chatters} chatters: {problem}" for problem in chat_problems]
            log(f"{label}: chatters {chat}")

            if label == "PostgreSQL":
                for title, sql in (
                    ("list", 'SELECT name, provider, model, message_count, header, created_by, updated_by FROM sessions '
                             'ORDER BY name COLLATE "C"'),
                    # The message query of stores/postgres/src/search.rs, without its filters:
                    # the newest 10,000 matches by key, ranked, the best 20 read whole.
                    ("search, the common word",
                     "WITH newest AS (SELECT m.session_id, m.position FROM messages m, "
                     f"to_tsquery('english', '{COMMON_WORD}:*') q WHERE m.tsv @@ q "
                     "ORDER BY m.session_id DESC, m.position DESC LIMIT 10000), "
                     "best AS (SELECT m.session_id, m.position, "
                     f"ts_rank(m.tsv, to_tsquery('english', '{COMMON_WORD}:*')) AS rank "
                     "FROM newest n JOIN messages m ON m.session_id = n.session_id "
                     "AND m.position = n.position) "
                     "SELECT s.name, s.provider, s.model, m.position, m.body, m.content "
                     "FROM (SELECT b.session_id, b.position, b.rank, s.name FROM best b "
                     'JOIN sessions s ON s.id = b.session_id ORDER BY b.rank DESC, s.name COLLATE "C", '
                     "b.position LIMIT 20) top JOIN messages m ON m.session_id = top.session_id "
                     "AND m.position = top.position JOIN sessions s ON s.id = top.session_id "
                     'ORDER BY top.rank DESC, top.name COLLATE "C", top.position'),
                ):
                    plan = psql(bin_dir, store.url, f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    explains.append((title, plan))
                figures["size"] = psql(bin_dir, base_url, "SELECT pg_size_pretty(sum(pg_total_relation_size("
                                       f"c.oid))) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                       f"WHERE n.nspname = '{store.schema}' AND c.relkind = 'r'").strip()
            else:
                db = store.project / ".confab" / "sessions.db"
                figures["size"] = f"{db.stat().st_size / 1024 / 1024:.0f} MB"
                shutil.rmtree(store.project)  # room for PostgreSQL's tables
            # The generated files of a store's import are not needed by the next store's: the
            # same folders serve both.

        print_report(args, sessions, runs, turns, version, fsync, settings, size, results, explains)
        return report_problems(problems)
    finally:
        if provider:
            provider.shutdown()
        for store in stores:
            try:
                psql(bin_dir, base_url, f"DROP SCHEMA IF EXISTS {store.schema} CASCADE")
            except Exception as error:  # the server may be gone; its cluster goes with it
                log(f"could not drop {store.schema}: {error}")
        if server:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def report_problems(problems, chat_only=False):
    if problems:
        print("\nPROBLEMS:")
        for problem in problems:
            print(f"- {problem}")
        return 1
    sessions = "" if chat_only else "every session arrived in each store; "
    print(f"\nchecks passed: {sessions}every chat turn stored once, its answer right after it, made from the "
          "transcript as stored before it")
    return 0


def chat_rows(args, turns, sc, pc):
    print(f"| {args.chatters} chatters x {turns} turns in one session, turns/s | {sc['turns_per_s']:.1f}/s "
          f"({sc['wall']:.1f} s) | {pc['turns_per_s']:.1f}/s ({pc['wall']:.1f} s) | "
          f"{sc['turns_per_s'] / pc['turns_per_s'] if pc['turns_per_s'] else 0:.2f}x |")
    print(f"| ... turns saved by the command / stored / failed (of which given up after races) / provider requests | "
          f"{sc['sent']} / {sc['stored']} / {sc['failed']} ({sc['given_up']}) / {sc['requests']} | "
          f"{pc['sent']} / {pc['stored']} / {pc['failed']} ({pc['given_up']}) / {pc['requests']} | |")
    print(f"| ... answers made without the other chatter's last turn (stale) | {sc['stale']} | {pc['stale']} | |")


def print_chat_only(args, turns, version, fsync, settings, results):
    print(f"machine: {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}; PostgreSQL "
          f"{version} ({settings}; fsync {fsync}) on 127.0.0.1")
    print(f"chat only, empty stores: {args.chatters} chatters x {turns} turns, the provider answers in "
          f"{args.answer_delay * 1000:.0f} ms\n")
    print("| case | SQLite | PostgreSQL | PG / SQLite (time) |")
    print("| --- | ---: | ---: | ---: |")
    chat_rows(args, turns, results["SQLite"], results["PostgreSQL"])


def print_report(args, sessions, runs, turns, version, fsync, settings, size, results, explains):
    sq, pg = results["SQLite"], results["PostgreSQL"]
    messages = sessions * args.messages
    per_part = sessions // args.importers
    print(f"machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), load average at the end "
          f"{os.getloadavg()[0]:.1f}; PostgreSQL {version} ({settings}; fsync {fsync}) on 127.0.0.1")
    print(f"data: {sessions:,} sessions x {args.messages} messages = {messages:,} messages, "
          f"{size / 1e6:.0f} MB of checkpoints; stores: SQLite {sq['size']}, PostgreSQL {pg['size']}")
    print(f"list and search: median (and worst) of {runs} runs; chat: {args.chatters} chatters x {turns} turns, "
          f"the provider answers in {args.answer_delay * 1000:.0f} ms")
    print()
    print("| case | SQLite | PostgreSQL | PG / SQLite (time) |")
    print("| --- | ---: | ---: | ---: |")

    def ms(pair):
        return f"{pair[0] * 1000:,.0f} ms ({pair[1] * 1000:,.0f})"

    def row(name, a, b, ratio):
        print(f"| {name} | {a} | {b} | {ratio:.2f}x |")

    row(f"`sessions list --format table`, {sessions:,} sessions", ms(sq["list"]), ms(pg["list"]), pg["list"][0] / sq["list"][0])
    row(f"`sessions list --format names`", ms(sq["list_names"]), ms(pg["list_names"]),
        pg["list_names"][0] / sq["list_names"][0])
    row(f"`sessions search {RARE_WORD}` (one message of {messages:,}), top 20", ms(sq["rare"]), ms(pg["rare"]),
        pg["rare"][0] / sq["rare"][0])
    row(f"`sessions search {COMMON_WORD}` (nearly every message), top 20", ms(sq["common"]), ms(pg["common"]),
        pg["common"][0] / sq["common"][0])
    row("the first search after the import (SQLite: index catch-up)", f"{sq['first_search']:.2f} s",
        f"{pg['first_search']:.2f} s", pg["first_search"] / sq["first_search"])
    row(f"1 importer, {per_part:,} sessions, empty store", f"{sq['import1'][0]:.1f} s, {sq['import1'][1]:,.0f}/s",
        f"{pg['import1'][0]:.1f} s, {pg['import1'][1]:,.0f}/s", pg["import1"][0] / sq["import1"][0])
    row(f"{args.importers} importers at once, {per_part:,} sessions each",
        f"{sq['importK'][0]:.1f} s, {sq['importK'][1]:,.0f}/s", f"{pg['importK'][0]:.1f} s, {pg['importK'][1]:,.0f}/s",
        pg["importK"][0] / sq["importK"][0])
    print(f"| ... sessions stored / missing | {sq['importK'][2]:,} / {sq['importK'][3]} | "
          f"{pg['importK'][2]:,} / {pg['importK'][3]} | |")
    chat_rows(args, turns, sq["chat"], pg["chat"])
    print(f"(PostgreSQL: VACUUM ANALYZE after the import, before list and search: {pg.get('vacuum', 0):.1f} s)")
    print(f"search hits (json, top 20): rare {sq['rare_hits']} / {pg['rare_hits']}, "
          f"common {sq['common_hits']} / {pg['common_hits']}")
    for title, plan in explains:
        print(f"\nPostgreSQL EXPLAIN ANALYZE, {title}:\n{plan.rstrip()}")


if __name__ == "__main__":
    sys.exit(main())
