"""Summary of bench/side_by_side.sh's log: best of rounds for every figure (lowest ms, highest
img/s, lowest RSS), the ratios janus / PyTorch, and the load range each program ran under.

    /usr/bin/python3 bench/side_by_side_summary.py /tmp/janus_side_by_side/log.txt
"""
import collections
import re
import sys

text = open(sys.argv[1]).read()
blocks = re.split(r"^=== ", text, flags=re.M)[1:]
conv = collections.defaultdict(lambda: collections.defaultdict(list))   # side -> layer -> totals
train = collections.defaultdict(lambda: collections.defaultdict(list))  # (side, norm) -> key -> values
loads = collections.defaultdict(list)
headers = {}
for b in blocks:
    head, _, body = b.partition("\n")
    name = head.split()[0]
    m = re.search(r"load ([\d.]+)", head)
    if m:
        loads[name].append(float(m.group(1)))
    for line in body.splitlines():
        if line.startswith("#") and name not in headers:
            headers[name] = line
        m = re.match(r"(\S+->\S+ @\S+|total \(fwd\+dx\+dw\))\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if m and name.endswith("conv"):
            conv[name][m.group(1)].append(float(m.group(4)))
        m = re.match(r"(torch|janus-eager|janus-compiled)\S*.*?norm=(\w+)[^:]*: train ([\d.]+) img/s, eval ([\d.]+) img/s"
                     r"(?:, peak RSS ([\d.]+) MiB)?", line)
        if m:
            who = m.group(1)
            train[(who, m.group(2))]["train"].append(float(m.group(3)))
            train[(who, m.group(2))]["eval"].append(float(m.group(4)))
            if m.group(5):
                train[(who, m.group(2))]["rss"].append(float(m.group(5)))

for name, h in sorted(headers.items()):
    print(f"{name}: {h}")
print("load before each program:", {k: f"{min(v):.1f}-{max(v):.1f}" for k, v in sorted(loads.items())})
if conv:
    print("\nconv fwd+dx+dw, best of rounds (ms): layer | PyTorch | janus | janus / PyTorch")
    for layer, tv in conv["torch_conv"].items():
        jv = conv["janus_conv"].get(layer)
        if jv:
            print(f"  {layer:<20} {min(tv):8.2f} {min(jv):8.2f}   {min(jv) / min(tv):.2f}x the time")
if train:
    print("\ntraining / inference img/s, best of rounds; peak RSS MiB (lowest)")
    for norm in ("bn", "pcn"):
        t = train.get(("torch", norm))
        if not t:
            continue
        print(f"  {norm}: PyTorch train {max(t['train']):.0f} eval {max(t['eval']):.0f} RSS {min(t['rss']) if t['rss'] else 0:.0f}")
        for who in ("janus-eager", "janus-compiled"):
            j = train.get((who, norm))
            if j:
                print(f"  {norm}: {who} train {max(j['train']):.0f} ({max(j['train']) / max(t['train']):.2f}x) "
                      f"eval {max(j['eval']):.0f} ({max(j['eval']) / max(t['eval']):.2f}x) "
                      f"RSS {min(j['rss']):.0f} ({min(j['rss']) / min(t['rss']) if t['rss'] else 0:.2f}x)")
