// Fuzz target for credit statements (core/security/creditstatement.h): brokers carry them and may be hostile.
// Whatever arrives is refused with a code, or verified; nothing crashes, and the size limit holds before the
// signature is checked.
#include "security/creditstatement.h"

#include <QJsonDocument>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    const QJsonObject object = QJsonDocument::fromJson(bytes).object();
    static const QByteArray anyKey
        = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC "
          "KEY-----\n";
    const auto statement = pvc::core::CreditStatement::verify(object, anyKey, QStringLiteral("proj"));
    if (statement.ok()) {
        std::fprintf(stderr, "fuzz_creditstatement: a statement verified without the key's signature\n");
        std::abort();
    }
    if (!statement.error().code.startsWith(QLatin1String("credits."))) {
        std::fprintf(stderr, "fuzz_creditstatement: a refusal without its code\n");
        std::abort();
    }
    return 0;
}
