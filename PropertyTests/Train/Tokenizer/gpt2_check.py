# gpt2_check.py: an independent oracle for `moe tokenize` output, run by hand (it needs Python 3
# and the `regex` package, so it is not part of `dotnet test`). It decodes val.tokens with
# tokenizer.json, re-encodes every document with GPT-2's encoder.py algorithm (same regex, bpe by
# merge rank) and counts documents whose ids differ. Usage: python3 gpt2_check.py <cache folder>
# Last run: dotnet-xmldoc, vocab 4096: 583 validation documents, 47,043 tokens, 0 mismatches.
import json, struct, sys, regex
folder = sys.argv[1]
tok = json.load(open(f"{folder}/tokenizer.json", encoding="utf-8"))
vocab = tok["model"]["vocab"]; merges = [tuple(m.split(" ")) for m in tok["model"]["merges"]]
ranks = {m: i for i, m in enumerate(merges)}
bs = list(range(ord("!"), ord("~")+1))+list(range(ord("¡"), ord("¬")+1))+list(range(ord("®"), ord("ÿ")+1))
cs = bs[:]; n = 0
for b in range(256):
    if b not in bs: bs.append(b); cs.append(256+n); n += 1
b2u = dict(zip(bs, map(chr, cs))); u2b = {v: k for k, v in b2u.items()}
inv = {i: s for s, i in vocab.items()}
eot = tok["added_tokens"][0]["id"]
data = open(f"{folder}/val.tokens", "rb").read()
magic, ver, width, vsize, _, count = struct.unpack("<8siiiiq", data[:32])
ids = list(struct.unpack(f"<{count}H", data[32:32+2*count]))
pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
def bpe(word):
    word = list(word)
    while len(word) > 1:
        pairs = [(ranks.get((word[i], word[i+1]), 1e18), i) for i in range(len(word)-1)]
        r, _ = min(pairs)
        if r == 1e18: break
        a, b = merges[int(r)]
        out = []; i = 0
        while i < len(word):
            if i+1 < len(word) and word[i] == a and word[i+1] == b: out.append(a+b); i += 2
            else: out.append(word[i]); i += 1
        word = out
    return word
docs, cur = [], []
for i in ids:
    if i == eot: docs.append(cur); cur = []
    else: cur.append(i)
mismatch = 0
for d in docs:
    text = bytes(b for i in d for b in (u2b[c] for c in inv[i])).decode("utf-8")
    mine = [vocab[t] for piece in pat.findall(text) for t in bpe("".join(b2u[b] for b in piece.encode("utf-8")))]
    if mine != d:
        mismatch += 1
        if mismatch < 3: print("MISMATCH", text[:200], mine[:20], d[:20])
print(f"{magic} width={width} vocab={vsize} tokens={count} docs={len(docs)} mismatched docs={mismatch}")
