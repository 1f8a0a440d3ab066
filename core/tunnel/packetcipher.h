#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

// ChaCha20-Poly1305 (RFC 8439) for one tunnel key, behind a seal/open interface small enough to
// swap. OpenSSL EVP does the work; each direction has its own EVP_CIPHER_CTX, made when the key is
// first set and reused for every packet, so sealing and opening allocate nothing.
//
// The 12-byte nonce is noncePrefix (u32 BE) || counter (u64 BE). The tunnel always uses prefix 0
// (docs/tunnel.md); the prefix exists so that the RFC 8439 test vector runs through this very path.
// A counter must never repeat under one key: the tunnel session guarantees it.
//
// Not thread-safe: one thread uses an instance at a time.
namespace pvc::core {

class PacketCipher {
public:
    static constexpr std::size_t KeyBytes = 32;
    static constexpr std::size_t TagBytes = 16;

    PacketCipher();
    ~PacketCipher();
    PacketCipher(const PacketCipher&) = delete;
    PacketCipher& operator=(const PacketCipher&) = delete;

    // Installs a key. The first call allocates the OpenSSL contexts; later calls reuse them.
    bool setKey(std::span<const std::uint8_t, KeyBytes> key, std::uint32_t noncePrefix = 0);
    bool hasKey() const { return m_keyed; }

    // Writes ciphertext || tag to out and returns its size, or 0 on failure (no key, out too small).
    // out may begin exactly at plaintext.data() (sealing in place); any other overlap is an error.
    std::size_t seal(std::uint64_t counter, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
        std::span<std::uint8_t> out);

    // Checks and decrypts ciphertext || tag into out. Returns the plaintext size, or -1 when the
    // tag does not verify (or no key, short input, out too small); out then holds garbage that
    // must not be used. Same overlap rule as seal().
    std::ptrdiff_t open(std::uint64_t counter, std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed,
        std::span<std::uint8_t> out);

private:
    struct Contexts;
    std::unique_ptr<Contexts> d;
    std::uint32_t m_noncePrefix = 0;
    bool m_keyed = false;
};

} // namespace pvc::core
