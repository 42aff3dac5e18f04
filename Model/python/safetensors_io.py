# safetensors_io.py: the safetensors format by hand, because Debian's python3-torch comes without
# the `safetensors` package. Layout (huggingface/safetensors README):
#   [u64 LE header length N] [N bytes JSON {name: {dtype, shape, data_offsets}, "__metadata__"}]
#   [raw little-endian data]; the JSON is padded with spaces so the data starts 8-byte aligned.
# Writes F32, F64, I32 and BF16 from numpy arrays; reads those and F16 (BF16 as float32). Reading checks what a
# loader must (offsets inside the data, in order and not overlapping, byte counts matching dtype and
# shape) and fails naming the file and tensor. bf16 has no numpy type: it is the top half of a
# float32, so reading shifts it up and writing rounds to nearest even, as torch does.
# Not a general implementation: no other dtypes; sharding and the index live in hf_folder.py.
import json
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I32": np.dtype("<i4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2")}


def to_bf16_bits(array):
    """float values -> uint16 bf16 bit patterns, round to nearest, ties to even (NaN stays NaN)."""
    bits = np.ascontiguousarray(array, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
    return np.where(np.isnan(array), ((bits >> 16) | 0x40).astype("<u2"), rounded)


def from_bf16_bits(bits):
    """uint16 bf16 bit patterns -> float32 values (exact)."""
    return (bits.astype("<u4") << 16).view("<f4")


def save(path, tensors, metadata=None):
    """tensors: list of (name, numpy array, dtype name), written in that order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, array, dtype in tensors:
        data = (to_bf16_bits(array) if dtype == "BF16" else np.ascontiguousarray(array, dtype=DTYPES[dtype])).tobytes()
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_header(path):
    """{name: entry} of a file, validated against its size; raises ValueError naming file and tensor."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            raise ValueError(f"{path}: shorter than the 8-byte header length")
        (n,) = struct.unpack("<Q", raw)
        size = f.seek(0, 2)
        if 8 + n > size:
            raise ValueError(f"{path}: header of {n} bytes runs past the end of the file ({size} bytes)")
        f.seek(8)
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    data_bytes, end = size - 8 - n, 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = e["data_offsets"]
        if e["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {e['dtype']}, not one of {', '.join(DTYPES)}")
        if begin < end or stop > data_bytes:
            raise ValueError(f"{path}: tensor '{name}' data [{begin}, {stop}) overlaps another or lies outside the {data_bytes} data bytes")
        if stop - begin != int(np.prod(e["shape"], dtype=np.int64)) * DTYPES[e["dtype"]].itemsize:
            raise ValueError(f"{path}: tensor '{name}' holds {stop - begin} bytes, {e['dtype']} {e['shape']} needs another count")
        end = stop
    return header, 8 + n


def load(path):
    """{name: numpy array} of every tensor in the file; BF16 tensors come back as float32 (exact)."""
    header, data_start = read_header(path)
    with open(path, "rb") as f:
        raw = f.read()[data_start:]
    out = {}
    for name, e in header.items():
        a = np.frombuffer(raw[e["data_offsets"][0]:e["data_offsets"][1]], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = from_bf16_bits(a) if e["dtype"] == "BF16" else a
    return out
