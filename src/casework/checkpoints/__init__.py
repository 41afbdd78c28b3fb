"""Signed checkpoints of every dossier's event chain, modelled on Certificate Transparency's
signed tree heads (RFC 6962): a Merkle root over (code, event count, last hash) of each chain,
signed with an Ed25519 key kept outside the database, written to files an auditor keeps."""
