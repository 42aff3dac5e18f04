# safetensors_io.py: the safetensors format in twenty lines, because Debian's python3-torch comes
# without the `safetensors` package. Layout (huggingface/safetensors README):
#   [u64 LE header length N] [N bytes JSON {name: {dtype, shape, data_offsets}, "__metadata__"}]
#   [raw little-endian data]; the JSON is padded with spaces so the data starts 8-byte aligned.
# Writes F32, F64 and I32 from numpy arrays; reads them back (used to check what was written).
# Not a general implementation: no F16/BF16, no sharding, no validation beyond what a round trip needs.
import json
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I32": np.dtype("<i4")}


def save(path, tensors, metadata=None):
    """tensors: list of (name, numpy array, dtype name), written in that order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, array, dtype in tensors:
        data = np.ascontiguousarray(array, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(np.shape(array)), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load(path):
    """{name: numpy array} of every tensor in the file."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    header.pop("__metadata__", None)
    return {name: np.frombuffer(data[e["data_offsets"][0]:e["data_offsets"][1]], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
            for name, e in header.items()}
