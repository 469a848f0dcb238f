//! Hostile data: input listing, id pairing, byte-level checks, slice explosion.
