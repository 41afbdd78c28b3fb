"""The Merkle tree hash of RFC 6962 §2.1 (Certificate Transparency), over the dossiers' chains.

MTH({}) = SHA-256(""); a leaf hashes as SHA-256(0x00 ‖ leaf); an inner node as
SHA-256(0x01 ‖ left ‖ right), the left subtree holding the largest power of two of leaves
smaller than n. Built bottom-up, pairing neighbours and lifting an unpaired last node as it is,
which gives the same tree (the tests compare it with the recursive definition and with the
published CT vectors).

A leaf is one dossier's chain head at the checkpoint: its code, its event count and the hash of
its last event, as canonical JSON (`leaf_bytes`). Leaves are sorted by code, so the same set of
chains always gives the same root whichever order the database returns them in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_bytes(code: str, count: int, head: str) -> bytes:
    return json.dumps([code, count, head], ensure_ascii=False, separators=(",", ":")).encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaf_hashes: Iterable[bytes]) -> str:
    """MTH of the leaves (already hashed with `leaf_hash`), as hex.

    Keeps one pending node per level (like a binary counter), so a million leaves take a few
    dozen hashes of memory, not a list of a million."""
    stack: list[tuple[int, bytes]] = []  # (height, node), heights strictly decreasing
    for h in leaf_hashes:
        node, height = h, 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            node, height = node_hash(left, node), height + 1
        stack.append((height, node))
    if not stack:
        return EMPTY_ROOT
    _, node = stack.pop()
    while stack:  # the unpaired right edge: each pending left subtree takes what is to its right
        _, left = stack.pop()
        node = node_hash(left, node)
    return node.hex()
