// Fuzz target for signed revocation lists (core/security/revocationlist.h), which brokers forward
// and hosts must check before trusting.
#include "security/revocationlist.h"

#include <QJsonDocument>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// The key and project of the CA that signed the seeds in seeds/revocationlist/ (a throw-away CA
// made for the fuzz seeds; see seeds/certificate/ca.pem).
const QByteArray CaPublicPem = QByteArrayLiteral("-----BEGIN PUBLIC KEY-----\n"
                                                 "MCowBQYDK2VwAyEAne3GuwbHPd9Bv+N7leOMc1BC42qUBOrqBzSSrOoRPvY=\n"
                                                 "-----END PUBLIC KEY-----\n");
const QString Project = QStringLiteral("c9fc88a17f7c3337deaa57f6ce5016fd2ebb5b7325cacabbf48d53d67ee8b2a7");

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_revocationlist: invariant broken: %s\n", what);
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using pvc::core::RevocationList;
    if (size > 256 * 1024)
        return 0;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    const QJsonObject signedList = QJsonDocument::fromJson(json).object();
    const auto list = RevocationList::verify(signedList, CaPublicPem, Project);
    if (!list) {
        require(!list.error().code.isEmpty(), "error without a code");
        return 0;
    }
    require(list->project == Project, "accepted a list for another project");
    require(list->version >= 0, "accepted a negative version");
    // A verified list still verifies after a broker re-serialises it.
    const QByteArray reformatted = QJsonDocument(signedList).toJson(QJsonDocument::Indented);
    const auto again = RevocationList::verify(QJsonDocument::fromJson(reformatted).object(), CaPublicPem, Project);
    require(again.ok() && again->serials == list->serials && again->version == list->version,
        "a re-serialised list verifies differently");
    return 0;
}
