"""A rank that speaks the PMI wire protocol by hand: raw_pmi.py v1|v2|v2-direct.

v1: PMI-1 lines; v2: the PMI-1 init line asking for version 2, then PMI-2
frames (as MPICH's and Baton's PMI-2 clients do); v2-direct: PMI-2 frames from
the first byte.  Prints "raw ok" when every answer was as expected.
"""
import os
import socket
import sys

sock = socket.socket(fileno=int(os.environ["PMI_FD"]))
pending = b""


def recv_exact(n):
    global pending
    while len(pending) < n:
        chunk = sock.recv(65536)
        assert chunk, "launcher closed the connection"
        pending += chunk
    data, pending = pending[:n], pending[n:]
    return data


def recv_line():
    global pending
    while b"\n" not in pending:
        chunk = sock.recv(65536)
        assert chunk, "launcher closed the connection"
        pending += chunk
    line, pending = pending.split(b"\n", 1)
    return line.decode()


def v1(line):
    sock.sendall(line.encode() + b"\n")
    return dict(tok.split("=", 1) for tok in recv_line().split())


def v2(body):
    body = body.encode()
    sock.sendall(b"%-6d" % len(body) + body)
    n = int(recv_exact(6))
    text = recv_exact(n).decode()
    # split at ';' but not at ';;' (an escaped ';' inside a value)
    fields, cur, i = {}, "", 0
    while i < len(text):
        if text[i] == ";" and text[i + 1:i + 2] == ";":
            cur += ";"
            i += 2
            continue
        if text[i] == ";":
            k, _, v = cur.partition("=")
            fields[k] = v
            cur = ""
        else:
            cur += text[i]
        i += 1
    return fields


mode = sys.argv[1]
size = int(os.environ["PMI_SIZE"])
if mode == "v1":
    r = v1("cmd=init pmi_version=1 pmi_subversion=1")
    assert r["cmd"] == "response_to_init" and r["rc"] == "0", r
    r = v1("cmd=get_maxes")
    assert r["cmd"] == "maxes" and int(r["vallen_max"]) >= 1024 and int(r["keylen_max"]) >= 64, r
    kvs = v1("cmd=get_my_kvsname")["kvsname"]
    assert kvs == os.environ["BATON_JOBID"], kvs
    assert v1("cmd=get_appnum")["appnum"] == "0"
    assert v1("cmd=get_universe_size")["size"] == str(size)
    r = v1("cmd=get kvsname=%s key=nobody" % kvs)
    assert r["cmd"] == "get_result" and r["rc"] != "0", r
    r = v1("cmd=put kvsname=%s key=k%s value=v;=%s" % (kvs, os.environ["PMI_RANK"], os.environ["PMI_RANK"]))
    assert r["cmd"] == "put_result" and r["rc"] == "0", r
    assert v1("cmd=put kvsname=%s key=toolong value=%s" % (kvs, "x" * 5000))["rc"] != "0"
    assert v1("cmd=barrier_in")["cmd"] == "barrier_out"
    for rank in range(size):
        r = v1("cmd=get kvsname=%s key=k%d" % (kvs, rank))
        assert r["rc"] == "0" and r["value"] == "v;=%d" % rank, r
    r = v1("cmd=get kvsname=%s key=PMI_process_mapping" % kvs)
    assert r["value"] == "(vector,(0,1,%d))" % size, r
    assert v1("cmd=finalize")["cmd"] == "finalize_ack"
elif mode in ("v2", "v2-direct"):
    if mode == "v2":
        sock.sendall(b"cmd=init pmi_version=2 pmi_subversion=0\n")
        r = dict(tok.split("=", 1) for tok in recv_line().split())
        assert r["cmd"] == "response_to_init" and r["rc"] == "0" and r["pmi_version"] == "2", r
    rank = int(os.environ["PMI_RANK"])
    r = v2("cmd=fullinit;pmijobid=x;pmirank=%d;threaded=FALSE;" % rank)
    assert r["cmd"] == "fullinit-response" and r["rc"] == "0", r
    assert r["rank"] == str(rank) and r["size"] == str(size), r
    r = v2("cmd=job-getid;")
    assert r["jobid"] == os.environ["BATON_JOBID"], r
    r = v2("cmd=kvs-get;jobid=x;srcid=0;key=nobody;")
    assert r["cmd"] == "kvs-get-response" and r["found"] == "FALSE", r
    # a value with an escaped ';' must come back the same
    r = v2("cmd=kvs-put;key=k%d;value=a;;b%d;" % (rank, rank))
    assert r["cmd"] == "kvs-put-response" and r["rc"] == "0", r
    r = v2("cmd=kvs-fence;")
    assert r["cmd"] == "kvs-fence-response" and r["rc"] == "0", r
    for other in range(size):
        r = v2("cmd=kvs-get;jobid=x;srcid=%d;key=k%d;" % (other, other))
        assert r["found"] == "TRUE" and r["value"] == "a;b%d" % other, r
    r = v2("cmd=info-getjobattr;key=PMI_process_mapping;")
    assert r["found"] == "TRUE" and r["value"] == "(vector,(0,1,%d))" % size, r
    r = v2("cmd=info-getjobattr;key=universeSize;")
    assert r["value"] == str(size), r
    r = v2("cmd=finalize;")
    assert r["cmd"] == "finalize-response" and r["rc"] == "0", r
else:
    sys.exit("unknown mode " + mode)
print("raw ok", flush=True)
