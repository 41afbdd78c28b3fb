"""The Merkle tree hash is RFC 6962's: the published Certificate Transparency vectors, and the
recursive definition of §2.1 for every size up to 70."""

from __future__ import annotations

import hashlib

from casework.checkpoints import merkle

#: RFC 6962's test data as used by the CT reference implementations (leaves 0…7) and the tree
#: heads of their first 1…8 leaves.
CT_LEAVES = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]  # fmt: skip
CT_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
CT_ROOT_1 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1, word for word."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def root_of(leaves: list[bytes]) -> str:
    return merkle.root(merkle.leaf_hash(leaf) for leaf in leaves)


def test_published_vectors():
    assert root_of([]) == merkle.EMPTY_ROOT == hashlib.sha256(b"").hexdigest()
    assert root_of(CT_LEAVES[:1]) == CT_ROOT_1
    assert root_of(CT_LEAVES) == CT_ROOT_8


def test_every_size_matches_the_recursive_definition():
    leaves = [merkle.leaf_bytes(f"SKHCN.HNI-260101-{i:04d}", i, f"{i:064x}") for i in range(70)]
    for n in range(71):
        assert root_of(leaves[:n]) == mth(leaves[:n]).hex(), n


def test_a_leaf_is_its_code_count_and_head_unambiguously():
    assert merkle.leaf_bytes("A-1", 2, "ab") == b'["A-1",2,"ab"]'
    assert merkle.leaf_bytes("A", 12, "x") != merkle.leaf_bytes("A1", 2, "x")
