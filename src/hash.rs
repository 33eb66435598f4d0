//! FNV-1a, 64 bits: the one non-cryptographic hash of the crate, used for shard assignment
//! ([`crate::shard`]) and for the results store's content hashes ([`crate::suite::hash`]).
//! Printed as 16 lowercase hex digits. In Python: `h = 0xcbf29ce484222325; for b in data:
//! h = ((h ^ b) * 0x100000001b3) % 2**64`.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a 64 hasher.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(OFFSET)
    }
}

impl Fnv {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn bytes(&mut self, data: &[u8]) -> &mut Self {
        let mut h = self.0;
        for &b in data {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
        self.0 = h;
        self
    }

    /// One `key=value` field, NUL-terminated.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        self.bytes(key.as_bytes()).bytes(b"=").bytes(value.as_bytes()).bytes(b"\0")
    }

    pub fn finish(&self) -> u64 {
        self.0
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The hash of a byte string.
pub fn hash_bytes(data: &[u8]) -> String {
    Fnv::new().bytes(data).hex()
}
