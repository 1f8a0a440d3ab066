#include "tunnel/packetcipher.h"

#include <climits>
#include <openssl/evp.h>

namespace pvc::core {

namespace {

constexpr std::size_t NonceBytes = 12;
constexpr std::size_t MaxInputBytes = INT_MAX / 2; // EVP takes int lengths

// EVP processes exactly overlapping buffers in place; partial overlap corrupts the output.
bool overlapsBadly(const std::uint8_t* in, std::size_t inSize, const std::uint8_t* out, std::size_t outSize)
{
    if (in == out || inSize == 0 || outSize == 0)
        return false;
    return in < out + outSize && out < in + inSize;
}

void makeNonce(std::uint32_t prefix, std::uint64_t counter, unsigned char* nonce)
{
    for (int i = 0; i < 4; ++i)
        nonce[i] = static_cast<unsigned char>(prefix >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i)
        nonce[4 + i] = static_cast<unsigned char>(counter >> (56 - 8 * i));
}

} // namespace

struct PacketCipher::Contexts {
    EVP_CIPHER_CTX* seal = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX* open = EVP_CIPHER_CTX_new();
    bool initialised = false; // cipher bound to both contexts; later keys reuse the provider state

    ~Contexts()
    {
        // EVP_CIPHER_CTX_free cleanses the key schedule.
        EVP_CIPHER_CTX_free(seal);
        EVP_CIPHER_CTX_free(open);
    }
};

PacketCipher::PacketCipher()
    : d(std::make_unique<Contexts>())
{
}

PacketCipher::~PacketCipher() = default;

bool PacketCipher::setKey(std::span<const std::uint8_t, KeyBytes> key, std::uint32_t noncePrefix)
{
    m_keyed = false;
    if (!d->seal || !d->open)
        return false;
    // Passing the cipher again would make OpenSSL free and reallocate its state: only the first time.
    const EVP_CIPHER* cipher = d->initialised ? nullptr : EVP_chacha20_poly1305();
    if (EVP_EncryptInit_ex(d->seal, cipher, nullptr, key.data(), nullptr) != 1
        || EVP_DecryptInit_ex(d->open, cipher, nullptr, key.data(), nullptr) != 1)
        return false;
    d->initialised = true;
    m_noncePrefix = noncePrefix;
    m_keyed = true;
    return true;
}

std::size_t PacketCipher::seal(std::uint64_t counter, std::span<const std::uint8_t> aad,
    std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out)
{
    if (!m_keyed || plaintext.size() > MaxInputBytes || aad.size() > MaxInputBytes
        || out.size() < plaintext.size() + TagBytes
        || overlapsBadly(plaintext.data(), plaintext.size(), out.data(), plaintext.size() + TagBytes))
        return 0;
    unsigned char nonce[NonceBytes];
    makeNonce(m_noncePrefix, counter, nonce);
    EVP_CIPHER_CTX* ctx = d->seal;
    int length = 0;
    if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) != 1)
        return 0;
    if (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &length, aad.data(), int(aad.size())) != 1)
        return 0;
    std::size_t written = 0;
    if (!plaintext.empty()) {
        if (EVP_EncryptUpdate(ctx, out.data(), &length, plaintext.data(), int(plaintext.size())) != 1)
            return 0;
        written = std::size_t(length);
    }
    if (EVP_EncryptFinal_ex(ctx, out.data() + written, &length) != 1)
        return 0;
    written += std::size_t(length);
    if (written != plaintext.size()
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(TagBytes), out.data() + written) != 1)
        return 0;
    return written + TagBytes;
}

std::ptrdiff_t PacketCipher::open(std::uint64_t counter, std::span<const std::uint8_t> aad,
    std::span<const std::uint8_t> sealed, std::span<std::uint8_t> out)
{
    if (!m_keyed || sealed.size() < TagBytes || sealed.size() > MaxInputBytes || aad.size() > MaxInputBytes)
        return -1;
    const std::size_t textSize = sealed.size() - TagBytes;
    if (out.size() < textSize || overlapsBadly(sealed.data(), sealed.size(), out.data(), textSize))
        return -1;
    unsigned char nonce[NonceBytes];
    makeNonce(m_noncePrefix, counter, nonce);
    EVP_CIPHER_CTX* ctx = d->open;
    int length = 0;
    // OpenSSL copies the tag, so decrypting in place over the ciphertext cannot disturb it.
    void* tag = const_cast<std::uint8_t*>(sealed.data() + textSize);
    if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(TagBytes), tag) != 1)
        return -1;
    if (!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &length, aad.data(), int(aad.size())) != 1)
        return -1;
    std::size_t written = 0;
    if (textSize > 0) {
        if (EVP_DecryptUpdate(ctx, out.data(), &length, sealed.data(), int(textSize)) != 1)
            return -1;
        written = std::size_t(length);
    }
    // The tag is checked here (RFC 8439 section 2.8): nothing before this point may be trusted.
    if (EVP_DecryptFinal_ex(ctx, out.data() + written, &length) != 1)
        return -1;
    written += std::size_t(length);
    return written == textSize ? std::ptrdiff_t(written) : -1;
}

} // namespace pvc::core
