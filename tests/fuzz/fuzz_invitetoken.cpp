// Fuzz target for invite token parsing (core/security/invitetoken.h): tokens are pasted by users
// and arrive through `pvc join`.
#include "security/invitetoken.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_invitetoken: invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using pvc::core::InviteToken;
    if (size > 64 * 1024)
        return 0;
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto token = InviteToken::parse(text);
    if (!token) {
        require(token.error().code == QLatin1String("enrol.token_malformed"), "unexpected error code");
        return 0;
    }
    require(token->id.size() == 16 && token->secret.size() == 24, "accepted a token of the wrong shape");
    const QString canonical = token->toString();
    require(canonical == text.trimmed(), "parse and toString disagree");
    const auto again = InviteToken::parse(canonical);
    require(again.ok() && again->id == token->id && again->secret == token->secret, "round trip failed");

    // The input doubles as a CSR: the proof checks for itself and not for anything else.
    const QByteArray csr = text.toUtf8();
    const QByteArray proof = token->proofFor(QStringLiteral("alice"), csr);
    require(token->checkProof(QStringLiteral("alice"), csr, proof), "own proof refused");
    require(!token->checkProof(QStringLiteral("bob"), csr, proof), "proof for another name accepted");
    require(!token->checkProof(QStringLiteral("alice"), csr + 'x', proof), "proof for another CSR accepted");
    return 0;
}
